"""Violations planted for every expectation of a suite (the suite tests): expectation i breaks
the rows with rowid % 20 == i (5 % each), among those `only` selects."""

import great_expectations.expectations as gxe

from quality import suites

SLICES = 20


def plant_violations(con, table: str, suite: suites.Suite, only: str = "TRUE") -> None:
    """Break every expectation of `suite` in `table`, in place, on its own slice of the rows
    `only` selects. A uniqueness is broken by the table's smallest value of the column."""
    for i, e in enumerate(suite.expectations):
        where = f"rowid % {SLICES} = {i % SLICES} AND ({only})"
        c = getattr(e, "column", None)
        if isinstance(e, gxe.ExpectColumnValuesToNotBeNull):
            sql = f"SET {c} = NULL"
        elif isinstance(e, gxe.ExpectColumnValuesToBeUnique):
            sql = f"SET {c} = (SELECT min({c}) FROM {table})"
        elif isinstance(e, gxe.ExpectCompoundColumnsToBeUnique):
            first = f"(SELECT {{c}} FROM {table} ORDER BY rowid LIMIT 1)"
            sql = "SET " + ", ".join(f"{k} = {first.format(c=k)}" for k in e.column_list)
        elif isinstance(e, gxe.ExpectColumnValueLengthsToEqual):
            sql = f"SET {c} = 'short'"
        elif isinstance(e, gxe.ExpectColumnValuesToBeInSet):
            sql = f"SET {c} = {'TRUE' if e.value_set == [False] else repr('ZZZ')}"
        elif isinstance(e, gxe.ExpectColumnValuesToNotBeInSet):
            sql = f"SET {c} = {e.value_set[0]!r}"
        elif isinstance(e, gxe.ExpectColumnValuesToBeBetween):
            sql = f"SET {c} = {e.max_value + 1 if e.max_value is not None else e.min_value - 1}"
        elif isinstance(e, gxe.ExpectColumnValuesToMatchRegex):
            sql = f"SET {c} = 'x!'"
        elif isinstance(e, gxe.ExpectColumnPairValuesAToBeGreaterThanB):
            sql = f"SET {e.column_A} = {e.column_B} - INTERVAL 1 DAY"
        else:
            raise AssertionError(f"no violation to plant for {type(e).__name__}: add one here")
        con.execute(f"UPDATE {table} {sql} WHERE {where}")
