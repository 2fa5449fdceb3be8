"""Violations planted for every expectation of a suite (the suite tests): expectation i breaks
the rows with rowid % 20 == i (5 % each), among those `only` selects."""

from quality import suites

SLICES = 20


def _breaking(e, table: str) -> str:
    """The SET clause that breaks expectation `e` on a row of `table`."""
    c = getattr(e, "column", None)
    first = f"(SELECT {{c}} FROM {table} ORDER BY rowid LIMIT 1)"
    clauses = {
        "expect_column_values_to_not_be_null": lambda: f"{c} = NULL",
        # a uniqueness: the table's smallest value of the column
        "expect_column_values_to_be_unique": lambda: f"{c} = (SELECT min({c}) FROM {table})",
        "expect_compound_columns_to_be_unique": lambda: ", ".join(
            f"{k} = {first.format(c=k)}" for k in e.column_list
        ),
        "expect_column_value_lengths_to_equal": lambda: f"{c} = 'short'",
        "expect_column_values_to_be_in_set": lambda: (
            f"{c} = {'TRUE' if e.value_set == [False] else repr('ZZZ')}"
        ),
        "expect_column_values_to_not_be_in_set": lambda: f"{c} = {e.value_set[0]!r}",
        "expect_column_values_to_be_between": lambda: (
            f"{c} = {e.max_value + 1 if e.max_value is not None else e.min_value - 1}"
        ),
        "expect_column_values_to_match_regex": lambda: f"{c} = 'x!'",
        "expect_column_pair_values_a_to_be_greater_than_b": lambda: (
            f"{e.column_A} = {e.column_B} - INTERVAL 1 DAY"
        ),
    }
    if e.expectation_type not in clauses:
        raise AssertionError(f"no violation to plant for {type(e).__name__}: add one here")
    return "SET " + clauses[e.expectation_type]()


def plant_violations(con, table: str, suite: suites.Suite, only: str = "TRUE") -> None:
    """Break every expectation of `suite` in `table`, in place, on its own slice of the rows
    `only` selects."""
    for i, e in enumerate(suite.expectations):
        where = f"rowid % {SLICES} = {i % SLICES} AND ({only})"
        con.execute(f"UPDATE {table} {_breaking(e, table)} WHERE {where}")
