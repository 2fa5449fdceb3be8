"""Protection results kept by content: disclosure control is a pure function of the marts'
contents, the protection rules and DE06_MIN_CELL, and it is the dearest step of a run (linear
programs). A set of marts protected once, and passed by the audit, is not protected again when
the same contents come back by another road: a month withdrawn and delivered again, a rebuild
for a new pseudonym key (the marts are aggregates: the same figures), a change of report code,
another data folder on the same landing (the tests). `ops.build_log` (assets/incremental.py)
already skips protection when nothing upstream was rebuilt; this catches what was rebuilt to
the same result.

Each entry is one DuckDB file, `<DE06_PROTECTION_CACHE or DE06_DATA_DIR/cache/protection>/
<key>.duckdb`, holding the protected tables (`publish.*`, the suppressed figures only: what
`published/` shows) and the audit's figures; written under a temporary name and renamed, so an
entry is complete or absent. The newest few are kept."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from quality import disclosure

KEEP = 4


def cache_dir(data_dir: Path) -> Path:
    return Path(os.environ.get("DE06_PROTECTION_CACHE") or Path(data_dir) / "cache" / "protection")


def method_key(marts: dict, links: list, min_cell: int) -> str:
    """sha256 of the method (quality/disclosure.py), the rules (each mart's Protection and the
    links) and DE06_MIN_CELL."""
    h = hashlib.sha256()
    h.update(Path(disclosure.__file__).read_bytes())
    h.update(repr(sorted((name, repr(p)) for name, (_, p) in marts.items())).encode())
    h.update(repr(links).encode())
    h.update(str(min_cell).encode())
    return h.hexdigest()[:32]


def key(con: duckdb.DuckDBPyConnection, marts: dict, links: list, min_cell: int) -> str:
    """sha256 of the method key and every mart's contents (its rows, order aside)."""
    h = hashlib.sha256(method_key(marts, links, min_cell).encode())
    for name, (table, _) in sorted(marts.items()):
        count, digest = con.execute(
            f"""SELECT count(*), md5(coalesce(string_agg(r, ',' ORDER BY r), ''))
                FROM (SELECT md5(CAST(t AS VARCHAR)) AS r FROM {table} t)"""
        ).fetchone()
        h.update(f"{name}:{count}:{digest}".encode())
    return h.hexdigest()[:32]


def load(con: duckdb.DuckDBPyConnection, folder: Path, entry: str, names: list[str]):
    """The cached (figures, utility, mass_share) after restoring publish.<name>, or None."""
    path = folder / f"{entry}.duckdb"
    if not path.exists():
        return None
    con.execute(f"ATTACH '{path}' AS _protection_cache (READ_ONLY)")
    try:
        for name in names:
            con.execute(
                f'CREATE OR REPLACE TABLE publish."{name}" AS SELECT * FROM _protection_cache."{name}"'
            )
        saved = json.loads(con.execute("SELECT figures FROM _protection_cache.meta").fetchone()[0])
    finally:
        con.execute("DETACH _protection_cache")
    return (
        saved["figures"],
        [tuple(u) for u in saved["utility"]],
        [tuple(m) for m in saved["mass_share"]],
    )


def store(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    entry: str,
    names: list[str],
    figures: dict,
    utility: list,
    mass_share: list,
) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{entry}.duckdb"
    work = folder / f".{entry}.{os.getpid()}.duckdb"
    work.unlink(missing_ok=True)
    con.execute(f"ATTACH '{work}' AS _protection_new")
    try:
        for name in names:
            con.execute(f'CREATE TABLE _protection_new."{name}" AS SELECT * FROM publish."{name}"')
        saved = {"figures": figures, "utility": utility, "mass_share": mass_share}
        con.execute(
            "CREATE TABLE _protection_new.meta AS SELECT ?::VARCHAR AS figures",
            [json.dumps(saved, default=float)],
        )
    finally:
        con.execute("DETACH _protection_new")
    os.replace(work, path)
    entries = sorted(folder.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


# --- components ------------------------------------------------------------------------------
# A new month changes a few parts of the linked table set (its own month's tourism tables, the
# year it falls in, the population's time chain); the others come back as they were. Each
# connected component of cells is protected by itself (quality/disclosure.py,
# `Protector._components`), so its result, kept by its digest, is reused when it comes back.
# One DuckDB file, `components.duckdb`, rewritten whole under a temporary name and renamed.
COMPONENTS = "components.duckdb"
KEEP_RUNS = 4  # components last used by the newest few runs are kept


def load_components(folder: Path, method: str) -> dict[str, dict]:
    """digest -> a component's result, for the current method key (others are stale)."""
    path = folder / COMPONENTS
    if not path.exists():
        return {}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(
                "SELECT digest, result FROM component WHERE method = ?", [method]
            ).fetchall()
    except duckdb.Error:
        return {}  # an unreadable cache costs a full protection, never a run
    return {digest: json.loads(result) for digest, result in rows}


def store_components(folder: Path, method: str, reused: dict, solved: dict) -> None:
    """Keep this run's components (reused and newly solved) for the next run; drop those of
    another method and those no run among the newest KEEP_RUNS used."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / COMPONENTS
    work = folder / f".{COMPONENTS}.{os.getpid()}"
    work.unlink(missing_ok=True)
    with duckdb.connect(str(work)) as con:
        con.execute(
            "CREATE TABLE component (method VARCHAR, digest VARCHAR, run BIGINT, result VARCHAR)"
        )
        if path.exists():
            try:
                con.execute(f"ATTACH '{path}' AS old (READ_ONLY)")
            except duckdb.Error:
                pass  # unreadable: replaced by this run's components
            else:
                con.execute(
                    "INSERT INTO component SELECT * FROM old.component WHERE method = ?", [method]
                )
                con.execute("DETACH old")
        run = con.execute("SELECT coalesce(max(run), 0) + 1 FROM component").fetchone()[0]
        used = {**reused, **solved}
        con.execute(
            "DELETE FROM component WHERE digest IN (SELECT unnest(?::VARCHAR[]))", [list(used)]
        )
        con.executemany(
            "INSERT INTO component VALUES (?, ?, ?, ?)",
            [(method, d, run, json.dumps(r)) for d, r in used.items()],
        )
        con.execute("DELETE FROM component WHERE run <= ?", [run - KEEP_RUNS])
    os.replace(work, path)
