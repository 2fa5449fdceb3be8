"""Pinned contracts: the asset graph (keys, groups, kinds, dependencies, checks with their
blocking flag) and the columns and types of everything published in marts.duckdb.

A renamed column, a dropped check or a changed dependency fails here. When the change is
deliberate, update the snapshots in the same commit:
`.venv/bin/pytest tests/assets/test_contracts.py --snapshot-update`, and review the diff of
tests/assets/__snapshots__/test_contracts.ambr.
"""

import pytest

from dagster_project.definitions import defs


def _asset_graph_contract() -> dict:
    graph = defs.resolve_asset_graph()
    checks: dict[str, dict[str, str]] = {}
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        checks.setdefault(key.asset_key.to_user_string(), {})[key.name] = (
            "blocking" if spec.blocking else "warning"
        )
    contract = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        name = key.to_user_string()
        contract[name] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "checks": dict(sorted(checks.pop(name, {}).items())),
        }
    assert not checks, f"checks on assets outside the graph: {sorted(checks)}"
    return contract


def test_asset_graph_matches_the_pinned_contract(snapshot):
    assert _asset_graph_contract() == snapshot


@pytest.mark.e2e
def test_published_tables_have_the_pinned_columns_and_types(pub, snapshot):
    rows = pub.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        tables.setdefault(table, {})[column] = dtype
    assert tables == snapshot
