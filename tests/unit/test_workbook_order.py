"""The workbooks are written largest first (assets/publish.write_outputs), by the cells of each
model's data sheets (data_cells): the last one written is then a small one."""

import duckdb

from assets import publish


def test_data_cells_counts_rows_times_columns_of_each_models_marts():
    con = duckdb.connect()
    big = next(m for m in publish.PUBLISHED_MARTS if m.model == 39)
    small = [m for m in publish.PUBLISHED_MARTS if m.model == 36][:2]
    con.execute(f"CREATE TABLE {big.name} AS SELECT range AS a, range AS b FROM range(1000)")
    for m in small:
        con.execute(f"CREATE TABLE {m.name} AS SELECT range AS a FROM range(10)")
    con.execute("CREATE TABLE not_a_mart AS SELECT range AS a FROM range(99999)")
    cells = publish.data_cells(con)
    assert cells[39] == 2000
    assert cells[36] == 20
    assert cells.get(37, 0) == 0  # no table of model 37 here
