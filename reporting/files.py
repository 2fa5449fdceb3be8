"""Files published beside the tables: a CSV copy of each table (UTF-8 with a byte-order mark,
so Excel opens Vietnamese text correctly) and the one shared copy of plotly.js the reports
load (they work without internet)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from plotly.offline import get_plotlyjs

from reporting.text import PLOTLY_JS


def write_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """A published table as CSV: UTF-8 with BOM, comma-separated, a header row, '.' as the
    decimal mark, dates as yyyy-mm-dd, empty for no value."""
    con.execute(f'SELECT * FROM "{table}"').pl().write_csv(path, include_bom=True)


def write_plotly_js(folder: Path) -> None:
    """One shared copy of plotly.js beside the reports."""
    (folder / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
