"""Statistical disclosure control of the published marts, as one linked protection problem.

Every count a mart publishes is a *cell*. Cells are tied together by *relations*, the linear
equations the published tables state themselves and that an attacker can use:

- categories add up to their total row (sexes to 'Tổng', ICCS sections to 'ALL', types to 'all');
- 2025 communes add up to their former district, districts to the province;
- equations inside a row (the demographic balance, labour force = employed + unemployed);
- links between marts: the same quantity in two marts (population on 1 January in
  `population_indicators` and `population_change`), months adding up to the year, age groups of
  `population_by_age_sex` adding up to the indicators, sections adding up to employment.

Method: the classic formulation of cell suppression (the protection-level model of
Kelly-Golden-Assad and Fischetti-Salazar, which τ-ARGUS's optimal and modular methods solve),
on linked tables and solved heuristically cell by cell, with an exact audit as its proof.
Written here because our relations are not only hierarchical tables: balancing equations
inside rows and links between marts of other dimensions (months to years, youth to labour,
flows to migrants); `pytauargus` (0.x, τ-ARGUS's engine on HiGHS) protects tables of
hierarchical dimensions. The exact audit below, not the method, is what proves the result:

1. Primary suppression: a person count from 1 to DE06_MIN_CELL − 1; an event count (incidents,
   stays) only where the mart's rule says a cell can point at a person.
2. Secondary suppression, first pass (set-based, in DuckDB): while some relation holds exactly
   one suppressed cell, or its suppressed cells (all on one side) leave less than
   DE06_MIN_CELL of room, suppress one more of its cells: commune cells before district cells,
   a cell closing a cycle first, the smallest sufficient value first; never a zero implied by
   an all-zero relation, a province cell or a former-district total that is not small.
3. Audit: for every suppressed cell, the interval an attacker can narrow it to from everything
   published (a linear program over all relations, cells ≥ 0), with HiGHS. A primary cell must
   keep DE06_MIN_CELL of room, or what the always-published cells leave it, and no suppressed
   cell may be recovered exactly.
4. Repair, guided by the audit: a complement the audit pins to its value protects nothing and
   is published. For a cell still short, a linear program finds the cheapest other table that
   agrees with everything published except a set of cells, with the short cell moved by what it
   needs (suppressed cells cost nothing, others their value, lower levels cheaper); those cells
   are suppressed. Repeat 3-4 a few rounds. What the rules cannot give a cell at all (the
   widest interval with every suppressible cell unknown) becomes its requirement; an event
   count that the always-published cells pin is published (suppressing it hides nothing).

Everything set-based runs in DuckDB on the warehouse connection; the LPs run per connected
component of suppressed cells with scipy.sparse + highspy.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np

MAX_PASSES = 200
PARALLEL_MIN_CELLS = 2000  # components this large are solved in worker processes
PARALLEL_MIN_TARGETS = 200  # repairs this large run in worker processes
# the audit-guided rounds: repair near, then further away (how many relations a deviation may
# reach), settling there what cannot be reached at all; one more round if the audit asks
REPAIR_STEPS = (("repair", 4), ("repair_and_limit", 8), ("repair", 8))


@dataclass(frozen=True)
class Protection:
    """How one mart is protected. `counts` are the additive counts published as cells;
    `dims` maps each category column to its total value in the mart (None: the mart has no total
    row for it, its categories add up in another mart); `keys` are the other key columns (time
    first); `event_counts` are the counts of events protected only `where_events` (SQL on the
    mart's columns) — person counts are protected everywhere."""

    counts: tuple[str, ...]
    keys: tuple[str, ...]
    dims: dict[str, str | None] = field(default_factory=dict)
    areas: bool = True  # area_level / area_code / parent_code: communes → districts → province
    area_additive: tuple[str, ...] | None = None  # counts that add up over areas (None: all)
    row_relations: tuple[tuple[tuple[str, int], ...], ...] = ()  # Σ coef·count = 0 in a row
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)  # NULL if a count is
    event_counts: tuple[str, ...] = ()
    where_events: str = "area_level = 'commune'"
    level: str = "area_level"  # SQL: the geographic level of a row (tiers of complements)
    unit_column: str | None = None
    min_units: int = 0
    # column -> (mart, columns (comma-separated), join condition on x (this mart's row) and y
    # (that mart's row)):
    # published only where every matching cell of that mart is published (a copy of another
    # mart's count, e.g. the population a rate is computed on)
    mirrors: dict[str, tuple[str, str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Term:
    """One side of a link between marts: the cells of `measure` in `mart` selected by `where`,
    keyed by `key` (SQL expressions over the mart's columns; rows with equal keys on both sides
    are related)."""

    mart: str
    measure: str
    key: tuple[str, ...]
    where: str = "TRUE"


@dataclass(frozen=True)
class Link:
    """total = Σ parts, for every key value present on both sides."""

    name: str
    total: Term
    parts: tuple[Term, ...]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _key_sql(exprs) -> str:
    return (
        "concat_ws('|', " + ", ".join(f"coalesce(CAST(({e}) AS VARCHAR), '∅')" for e in exprs) + ")"
    )


class Protector:
    """Builds the cells and relations of a set of marts, suppresses, audits and writes the
    protected copies. `marts` maps mart name → (source table, Protection)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        marts: dict[str, tuple[str, Protection]],
        links: list[Link],
        min_cell: int,
    ):
        self.con, self.marts, self.links, self.m = con, marts, links, min_cell
        self._limit_cells = np.array([], dtype=np.int64)  # sorted
        self._limit_width = np.array([])
        self.determined_events = self.determined_persons = 0
        self._determined_persons = np.array([], dtype=np.int64)
        self._determined_events = np.array([], dtype=np.int64)
        self._released = np.array([], dtype=np.int64)
        self.reused: dict[str, dict] = {}  # digest -> component result, filled by `protect`
        self.solved: dict[str, dict] = {}  # digest -> result of a component solved in this run

    # --- building -------------------------------------------------------------------------
    def build(self) -> None:
        con, m = self.con, self.m
        cell_selects = []
        for name, (table, p) in self.marts.items():
            order = ", ".join(_q(c) for c in self._row_keys(p)) or "1"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_q('_rows_' + name)} AS "
                f"SELECT row_number() OVER (ORDER BY {order}) AS _row, * FROM {table}"
            )
            is_total = (
                " AND ".join(f"{_q(d)} = {_lit(t)}" for d, t in p.dims.items() if t is not None)
                or "TRUE"
            )
            if any(t is None for t in p.dims.values()):
                is_total = "FALSE"
            units = (
                f"(coalesce({_q(p.unit_column)}, 0) < {p.min_units})" if p.unit_column else "FALSE"
            )
            for c in p.counts:
                event = c in p.event_counts
                small = f"(r.{_q(c)} BETWEEN 1 AND {m - 1})"
                primary = f"({small} AND ({p.where_events}))" if event else small
                # event counts are never suppressed at province level, except in a row of too
                # few units (an establishment's own figures)
                never = f"(({p.level}) = 'province' AND NOT {units})" if event else "FALSE"
                cell_selects.append(
                    f"""SELECT {_lit(name)} AS mart, r._row, {_lit(c)} AS measure,
                           {_key_sql(["r." + _q(k) for k in self._row_keys(p)] or ["''"])} AS rowkey,
                           r.{_q(c)}::DOUBLE AS value, ({p.level}) AS level, {str(event).upper()} AS is_event,
                           ({is_total}) AS is_total,
                           NOT ({never}) AND r.{_q(c)} > 0 AND ({primary} OR {units}) AS is_primary,
                           NOT ({never}) AS eligible
                    FROM {_q("_rows_" + name)} r WHERE r.{_q(c)} IS NOT NULL"""
                )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _cells AS SELECT row_number() OVER "
            "(ORDER BY mart, _row, measure) AS cell, *, "
            # complements: commune cells first, then commune totals and district cells, then
            # province cells; former-district and province totals only as a last resort
            "CASE WHEN level = 'commune' AND NOT is_total THEN 0 "
            "     WHEN level = 'commune' OR (level = 'district' AND NOT is_total) THEN 1 "
            "     WHEN NOT is_total THEN 2 ELSE 3 END AS tier, "
            "is_primary AS supp FROM (" + " UNION ALL ".join(cell_selects) + ")"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _rel_raw "
            "(kind VARCHAR, rel VARCHAR, mart VARCHAR, _row BIGINT, measure VARCHAR, coef INTEGER)"
        )
        for name, (_, p) in self.marts.items():
            self._mart_relations(name, p)
        for link in self.links:
            self._link_relations(link)
        # relations with at least two cells (a lone cell would state value = 0)
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _members AS
               WITH j AS (SELECT r.kind, r.rel, c.cell, r.coef
                          FROM _rel_raw r JOIN _cells c USING (mart, _row, measure)),
                    ok AS (SELECT rel FROM j GROUP BY rel
                           HAVING count(*) >= 2 AND count(*) FILTER (WHERE coef < 0) >= 1
                              AND count(*) FILTER (WHERE coef > 0) >= 1)
               SELECT dense_rank() OVER (ORDER BY rel) AS rel, kind, cell, coef
               FROM j SEMI JOIN ok USING (rel)"""
        )
        con.execute("DROP TABLE _rel_raw")
        # province cells are always published, former-district totals wherever they are not
        # small themselves: never taken as complements
        con.execute(
            f"UPDATE _cells SET eligible = FALSE WHERE tier >= 2 "
            f"AND NOT (level = 'district' AND is_total AND value < {m})"
        )
        # a zero in a relation whose cells are all zero is implied by the published total:
        # suppressing it alone would protect nothing, so the 1-D rule never takes it; the
        # audit-guided repair may, together with the cells that imply it (`implied_zero`)
        con.execute("ALTER TABLE _cells ADD COLUMN implied_zero BOOLEAN DEFAULT FALSE")
        con.execute(
            """UPDATE _cells SET eligible = FALSE, implied_zero = eligible WHERE value = 0 AND cell IN (
                   SELECT m.cell FROM _members m JOIN (
                       SELECT m2.rel FROM _members m2 JOIN _cells c2 USING (cell)
                       GROUP BY m2.rel HAVING max(abs(c2.value)) = 0) z USING (rel))"""
        )
        # what the audit-guided repair may suppress: the complements above, implied zeros, and
        # person counts of the province below its totals (never a province or former-district
        # total that is not small, never a province count of events)
        con.execute(
            "ALTER TABLE _cells ADD COLUMN movable BOOLEAN; "
            "UPDATE _cells SET movable = eligible OR implied_zero OR (tier = 2 AND NOT is_event)"
        )
        # a relation that does not hold on the true values is a mart defect: reported, not used
        self.violated = dict(
            con.execute(
                """SELECT kind, count(*) FROM (
                   SELECT m.rel, any_value(m.kind) AS kind, sum(m.coef * c.value) AS s
                   FROM _members m JOIN _cells c USING (cell) GROUP BY m.rel)
               WHERE abs(s) > 1e-6 GROUP BY kind ORDER BY kind"""
            ).fetchall()
        )
        if self.violated:
            con.execute(
                """DELETE FROM _members WHERE rel IN (
                       SELECT m.rel FROM _members m JOIN _cells c USING (cell)
                       GROUP BY m.rel HAVING abs(sum(m.coef * c.value)) > 1e-6)"""
            )

    @staticmethod
    def _row_keys(p: Protection) -> list[str]:
        area = ["area_level", "area_code"] if p.areas else []
        return [*p.keys, *area, *p.dims]

    def _insert(
        self,
        kind: str,
        rel_sql: str,
        mart: str,
        measure: str,
        coef_sql: str,
        table: str,
        where: str = "TRUE",
    ) -> None:
        self.con.execute(
            f"INSERT INTO _rel_raw SELECT {_lit(kind)}, {rel_sql}, {_lit(mart)}, r._row, "
            f"{_lit(measure)}, {coef_sql} FROM {_q(table)} r WHERE {where}"
        )

    def _mart_relations(self, name: str, p: Protection) -> None:
        table = "_rows_" + name
        all_keys = self._row_keys(p)
        for c in p.counts:
            where = f"r.{_q(c)} IS NOT NULL"
            for d, total in p.dims.items():
                if total is None:
                    continue
                others = [k for k in all_keys if k != d]
                rel = f"{_lit(f'{name}|{d}|{c}|')} || {_key_sql(['r.' + _q(k) for k in others])}"
                self._insert(
                    f"{name}:{d}",
                    rel,
                    name,
                    c,
                    f"CASE WHEN r.{_q(d)} = {_lit(total)} THEN -1 ELSE 1 END",
                    table,
                    where,
                )
            if p.areas and (p.area_additive is None or c in p.area_additive):
                others = [k for k in all_keys if k not in ("area_level", "area_code")]
                base = f"{_lit(f'{name}|area|{c}|')} || {_key_sql(['r.' + _q(k) for k in others])}"
                # as a part of the parent, and as the total of its own children
                self._insert(
                    f"{name}:area",
                    f"{base} || '|' || r.parent_code",
                    name,
                    c,
                    "1",
                    table,
                    f"{where} AND r.parent_code IS NOT NULL",
                )
                self._insert(
                    f"{name}:area",
                    f"{base} || '|' || r.area_code",
                    name,
                    c,
                    "-1",
                    table,
                    f"{where} AND r.area_level <> 'commune'",
                )
        for i, relation in enumerate(p.row_relations):
            for c, coef in relation:
                self._insert(
                    f"{name}:row{i}",
                    f"{_lit(f'{name}|row{i}|')} || r._row",
                    name,
                    c,
                    str(coef),
                    table,
                    f"r.{_q(c)} IS NOT NULL",
                )

    def _link_relations(self, link: Link) -> None:
        if any(t.mart not in self.marts for t in [link.total, *link.parts]):
            return  # a link to a mart that is not published here
        for term, coef in [(link.total, -1), *[(t, 1) for t in link.parts]]:
            rel = f"{_lit(link.name + '|')} || {_key_sql(term.key)}"
            self._insert(
                f"link:{link.name}",
                rel,
                term.mart,
                term.measure,
                str(coef),
                "_rows_" + term.mart,
                f"({term.where}) AND r.{_q(term.measure)} IS NOT NULL",
            )

    # --- secondary suppression ---------------------------------------------------------------
    def _relation_state(self) -> None:
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE _rel_state AS
                SELECT m.rel, count_if(c.supp) AS n_supp,
                       coalesce(sum(c.value) FILTER (WHERE c.supp), 0) AS slack,
                       count(DISTINCT sign(m.coef)) FILTER (WHERE c.supp) AS signs,
                       min(sign(m.coef)) FILTER (WHERE c.supp) AS side
                FROM _members m JOIN _cells c USING (cell) GROUP BY m.rel"""
        )

    def _add_complements(self, deficient_sql: str) -> int:
        """Suppress the best candidate of every relation `deficient_sql` selects (rel, need,
        side); returns how many cells were added."""
        con = self.con
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _pick AS
                WITH d AS ({deficient_sql}),
                fresh AS (SELECT m.cell, count(*) AS fresh FROM _members m
                          JOIN _rel_state s USING (rel) WHERE s.n_supp = 0 GROUP BY m.cell),
                cand AS (
                    SELECT d.rel, c.cell, c.tier, c.value, coalesce(f.fresh, 0) AS fresh,
                           (d.side IS NULL OR sign(m.coef) <> d.side OR c.value >= d.need)
                               AS sufficient
                    FROM d JOIN _members m USING (rel) JOIN _cells c USING (cell)
                    LEFT JOIN fresh f USING (cell)
                    WHERE NOT c.supp AND c.eligible)
                -- least cost: a sufficient cell; else the largest cell (it adds room); lower
                -- levels, cells closing a cycle and the smallest sufficient value first
                SELECT DISTINCT cell FROM (
                    SELECT cell, row_number() OVER (
                        PARTITION BY rel ORDER BY
                        CASE WHEN sufficient THEN 0 WHEN value > 0 THEN 1 ELSE 2 END,
                        tier, fresh, CASE WHEN sufficient THEN value ELSE -value END, cell) AS k
                    FROM cand) WHERE k = 1"""
        )
        added = con.execute("SELECT count(*) FROM _pick").fetchone()[0]
        if added:
            con.execute("UPDATE _cells SET supp = TRUE WHERE cell IN (SELECT cell FROM _pick)")
        return added

    def close(self) -> int:
        """Secondary suppression until no relation is deficient; returns passes made."""
        m = self.m
        for n in range(MAX_PASSES):
            self._relation_state()
            added = self._add_complements(
                f"""SELECT rel, {m} - slack AS need,
                           CASE WHEN signs = 1 THEN side END AS side
                    FROM _rel_state
                    WHERE n_supp = 1 OR (n_supp > 1 AND signs = 1 AND slack < {m})"""
            )
            if not added:
                return n
        return MAX_PASSES

    # --- audit --------------------------------------------------------------------------------
    def audit(self, focus: bool = False) -> dict:
        """Intervals of the suppressed cells from everything published (linear programs over all
        relations, counts ≥ 0); returns the figures and keeps the per-cell results for repair.
        `focus`: after a repair, solve only for the cells that were short or are new; more
        suppression only widens intervals, so every other cell keeps the width it had."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        con = self.con
        self._bounds()
        # a primary cell must keep DE06_MIN_CELL of room, or what the always-published cells
        # leave it (its upper bound, at least 1: never recoverable exactly); a complement, not
        # sensitive itself, must not be recoverable exactly
        supp = con.execute(
            f"""SELECT cell, value, is_primary, NOT is_event AS is_person,
                       CASE WHEN is_primary THEN greatest(1, least({self.m}, ub)) ELSE 1 END
                           AS required
                FROM _cells JOIN _ub USING (cell) WHERE supp ORDER BY cell"""
        ).fetchnumpy()
        cells, values = supp["cell"].astype(np.int64), supp["value"].astype(float)
        required = supp["required"].astype(float)
        # where the always-published cells leave less room (set by `repair_and_limit`)
        limited = np.isin(cells, self._limit_cells)
        if limited.any():
            at = np.searchsorted(self._limit_cells, cells[limited])
            required[limited] = np.minimum(required[limited], self._limit_width[at])
        # what must be solved: every cell, or (focus) the cells short or new since the last audit
        solve_for = required.copy()
        lo0, hi0 = values.copy(), values.copy()
        if focus and getattr(self, "_audit", None) is not None:
            prev = self._audit
            was = np.searchsorted(prev["cells"], cells)
            was = np.minimum(was, max(len(prev["cells"]) - 1, 0))
            known = (
                (prev["cells"][was] == cells) if len(prev["cells"]) else np.zeros(len(cells), bool)
            )
            prev_width = np.floor(prev["hi"] + 1e-7) - np.ceil(prev["lo"] - 1e-7)
            settled = known & (prev_width[was] >= required - 1e-9)
            solve_for[settled] = 0.0
            lo0[known] = np.minimum(lo0[known], prev["lo"][was[known]])
            hi0[known] = np.maximum(hi0[known], prev["hi"][was[known]])
        self._audit = {
            "cells": cells,
            "lo": values.copy(),
            "hi": values.copy(),
            "required": required,
            "primary": supp["is_primary"].astype(bool),
            "person": supp["is_person"].astype(bool) & supp["is_primary"].astype(bool),
            "lp_solves": 0,
            "components": 0,
        }
        if not len(cells):
            return self._summary()
        rel = con.execute(
            """WITH s AS (SELECT DISTINCT m.rel FROM _members m JOIN _cells c USING (cell)
                          WHERE c.supp)
               SELECT m.rel, m.cell, m.coef, c.value, c.supp
               FROM _members m SEMI JOIN s USING (rel) JOIN _cells c USING (cell)"""
        ).fetchnumpy()
        index = {int(c): i for i, c in enumerate(cells)}
        is_supp = rel["supp"].astype(bool)
        rel_ids, rel_pos = np.unique(rel["rel"], return_inverse=True)
        # right-hand side: minus the published members
        rhs = -np.bincount(
            rel_pos[~is_supp],
            weights=(rel["coef"] * rel["value"])[~is_supp],
            minlength=len(rel_ids),
        )
        cols = np.array([index[int(c)] for c in rel["cell"][is_supp]], dtype=np.int64)
        rows = rel_pos[is_supp]
        coefs = rel["coef"][is_supp].astype(float)
        A = coo_matrix((coefs, (rows, cols)), shape=(len(rel_ids), len(cells))).tocsr()
        # components: cells linked through shared relations
        graph = coo_matrix(
            (np.ones(len(cols)), (rows + len(cells), cols)), shape=(len(rel_ids) + len(cells),) * 2
        )
        n_comp, labels = connected_components(graph, directed=False)
        cell_comp, rel_comp = labels[: len(cells)], labels[len(cells) :]
        lo, hi = lo0.copy(), hi0.copy()
        solves = 0
        order = np.argsort(cell_comp, kind="stable")
        bounds = np.searchsorted(cell_comp[order], np.arange(n_comp + 1))
        rel_order = np.argsort(rel_comp, kind="stable")
        rel_bounds = np.searchsorted(rel_comp[rel_order], np.arange(n_comp + 1))
        jobs = []
        for k in range(n_comp):
            idx = order[bounds[k] : bounds[k + 1]]
            if len(idx) and (solve_for[idx] > 0).any():
                ridx = rel_order[rel_bounds[k] : rel_bounds[k + 1]]
                jobs.append((idx, ridx, A[ridx][:, idx], rhs[ridx]))
        comps_used = len(jobs)
        # the large components in worker processes (DuckDB is idle meanwhile), the rest here
        large = [j for j in jobs if len(j[0]) >= PARALLEL_MIN_CELLS]
        workers = min(len(large), os.cpu_count() or 1, 4)
        pool = None
        if workers > 1:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            futures = (
                [
                    (
                        idx,
                        None,
                        pool.submit(_component_intervals, sub, b, values[idx], solve_for[idx]),
                    )
                    for idx, _, sub, b in large
                ]
                if pool
                else []
            )
            for idx, _, sub, b in jobs:
                if pool and len(idx) >= PARALLEL_MIN_CELLS:
                    continue
                got_lo, got_hi, n = _component_intervals(sub, b, values[idx], solve_for[idx])
                lo[idx], hi[idx] = np.minimum(lo[idx], got_lo), np.maximum(hi[idx], got_hi)
                solves += n
            for idx, _, future in futures:
                got_lo, got_hi, n = future.result()
                lo[idx], hi[idx] = np.minimum(lo[idx], got_lo), np.maximum(hi[idx], got_hi)
                solves += n
        finally:
            if pool:
                pool.shutdown()
        self._audit.update({"lo": lo, "hi": hi, "lp_solves": int(solves), "components": comps_used})
        return self._summary()

    def _summary(self) -> dict:
        a = self._audit
        cells, primary, person, required = a["cells"], a["primary"], a["person"], a["required"]
        width = np.floor(a["hi"] + 1e-7) - np.ceil(a["lo"] - 1e-7)
        # person counts the always-published figures pin whatever is suppressed: reported
        # apart (`determined_by_published_persons`), not a failure of the protection
        determined = np.isin(cells, self._determined_persons)
        short = (width < required - 1e-9) & ~determined
        exact = (width < 1 - 1e-9) & ~determined
        self.failing = cells[short]
        finite = width[np.isfinite(width)]
        return {
            "suppressed": int(len(cells)),
            # blocking: a primary cell narrower than required, or any cell recovered exactly
            "failing": int((short & primary).sum()),
            "exactly_recoverable": int((exact & primary).sum()),
            "exactly_recoverable_persons": int((exact & person).sum()),
            "narrower_than_required_persons": int((short & person).sum()),
            "exactly_recoverable_complements": int((exact & ~primary).sum()),
            "narrowest_primary_interval": float(width[primary].min()) if primary.any() else None,
            "narrowest_interval": float(width.min()) if len(width) else None,
            "narrowest_finite_interval": float(finite.min()) if len(finite) else None,
            "lp_solves": a["lp_solves"],
            "components": a["components"],
        }

    def _bounds(self) -> None:
        """`_ub`: an upper bound of each suppressed cell's value that holds however many more
        cells were suppressed. A cell that is never suppressed (a province cell, a former-
        district total that is not small, an implied zero) bounds the parts under it: they are
        ≥ 0 and add up to it less its never-suppressed parts. No interval can be wider than
        that bound, so it is what a primary cell can be asked to keep (DE06_MIN_CELL at most)."""
        con = self.con
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _ub AS
               SELECT cell, CASE WHEN NOT supp AND NOT movable THEN value
                                 ELSE 'infinity'::DOUBLE END AS ub
               FROM _cells"""
        )
        for _ in range(4):  # commune → district → province, and links
            changed = con.execute(
                """UPDATE _ub SET ub = x.b FROM (
                       WITH totals AS (
                           SELECT m.rel, any_value(m.cell) AS cell FROM _members m
                           WHERE m.coef < 0 GROUP BY m.rel HAVING count(*) = 1),
                       fixed AS (
                           SELECT m.rel, coalesce(sum(c.value) FILTER (
                                      WHERE NOT c.supp AND NOT c.movable), 0) AS f
                           FROM _members m JOIN _cells c USING (cell) WHERE m.coef > 0
                           GROUP BY m.rel),
                       bound AS (
                           SELECT t.rel, u.ub - x.f AS room
                           FROM totals t JOIN _ub u USING (cell) JOIN fixed x USING (rel)
                           WHERE isfinite(u.ub))
                       SELECT m.cell, min(b.room) AS b
                       FROM _members m JOIN bound b USING (rel) JOIN _cells c USING (cell)
                       WHERE m.coef > 0 AND (c.supp OR c.movable) GROUP BY m.cell) x
                   WHERE _ub.cell = x.cell AND x.b < _ub.ub"""
            ).fetchone()[0]
            if not changed:
                break

    # --- repair, guided by the audit ------------------------------------------------------
    def release_fixed(self) -> int:
        """Publish the complements the audit pins to their value: an attacker already knows
        them, so publishing them changes nothing anyone can infer (the linear program's
        feasible set is the same) and gives analysts the figure back."""
        a = self._audit
        fixed = (~a["primary"]) & (a["hi"] - a["lo"] <= 1e-7)
        if not fixed.any():
            return 0
        self.con.execute(
            "UPDATE _cells SET supp = FALSE WHERE cell IN (SELECT unnest(?::BIGINT[]))",
            [a["cells"][fixed].tolist()],
        )
        self._released = np.union1d(self._released, a["cells"][fixed])
        keep = ~fixed
        for k in ("cells", "lo", "hi", "required", "primary", "person"):
            a[k] = a[k][keep]
        return int(fixed.sum())

    def _short(self) -> np.ndarray:
        a = self._audit
        width = np.floor(a["hi"] + 1e-7) - np.ceil(a["lo"] - 1e-7)
        return width < a["required"] - 1e-9

    def _deviations(self, short: np.ndarray, hops: int, probe: bool = False):
        """Run the deviation LPs for the short cells; independent parts of the table (connected
        components of the cells that may be suppressed) go to worker processes."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        a = self._audit
        cell = self.con.execute(
            "SELECT cell, value, supp, movable AS eligible, tier FROM _cells ORDER BY cell"
        ).fetchnumpy()
        members = self.con.execute(
            "SELECT m.rel, m.cell, m.coef, c.supp OR c.movable AS free "
            "FROM _members m JOIN _cells c USING (cell)"
        ).fetchnumpy()
        value = np.zeros(int(cell["cell"].max()) + 1)
        value[cell["cell"].astype(np.int64)] = cell["value"]
        targets = a["cells"][short]
        args = (a["lo"][short], a["hi"][short], value[targets], a["required"][short])
        kwargs = {"hops": hops, "max_cells": 1000 * hops, "probe": probe}
        free = members.pop("free").astype(bool)
        # the parts of the table a deviation can travel through, balanced over the workers
        size, n_rel = len(value), int(members["rel"].max()) + 1
        graph = coo_matrix(
            (
                np.ones(int(free.sum())),
                (
                    members["rel"][free].astype(np.int64) + size,
                    members["cell"][free].astype(np.int64),
                ),
            ),
            shape=(size + n_rel,) * 2,
        )
        _, labels = connected_components(graph, directed=False)
        part = labels[targets]
        workers = min(os.cpu_count() or 1, 4)
        if workers < 2 or len(targets) < PARALLEL_MIN_TARGETS:
            return _deviation_repair(cell, members, targets, *args, **kwargs)
        comps, counts = np.unique(part, return_counts=True)
        load, bins = np.zeros(workers), {}
        for comp, count in sorted(zip(comps, counts, strict=True), key=lambda x: -x[1]):
            w = int(np.argmin(load))
            load[w] += count
            bins[comp] = w
        worker_of = np.array([bins[c] for c in part])
        reached = np.zeros(len(targets))
        added = []
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            jobs = []
            for w in range(workers):
                sel = worker_of == w
                if sel.any():
                    sub_args = tuple(x[sel] for x in args)
                    job = pool.submit(
                        _deviation_repair, cell, members, targets[sel], *sub_args, **kwargs
                    )
                    jobs.append((sel, job))
            for sel, job in jobs:
                got, reach = job.result()
                added.append(got)
                reached[sel] = reach
        return np.unique(np.concatenate(added)) if added else np.array([], np.int64), reached

    def lp_repair(self, hops: int = 4) -> int:
        """More complements for every cell the audit found short, each chosen by a linear
        program: the cheapest change of the published table (suppressed cells cost nothing,
        other cells their tier-weighted value) that keeps every relation and moves the short
        cell up by what it needs, then down by what remains; the cells it changes are
        suppressed, so that changed table is one the attacker cannot rule out (the classic
        protection-level model of cell suppression, Kelly-Golden-Assad / Fischetti-Salazar,
        solved one cell at a time over its neighbourhood). Returns the cells added."""
        return self._repair(hops, limit=False)

    def _repair(self, hops: int, limit: bool) -> int:
        short = self._short()
        if not short.any():
            return 0
        added, reach = self._deviations(short, hops)
        if len(added):
            self.con.execute(
                "UPDATE _cells SET supp = TRUE WHERE cell IN (SELECT unnest(?::BIGINT[]))",
                [added.tolist()],
            )
        if limit:
            a = self._audit
            self._limit(a["cells"][short], a["required"][short], reach)
        return int(len(added))

    def repair_and_limit(self, hops: int) -> int:
        """The last repair round, which also settles what cannot be reached. Each deviation
        program moves its cell as far as it can (up to what it needs) before it counts cost,
        so where a cell stays short the width it reached is the most its neighbourhood
        (`hops` relations, every cell the protection may suppress left free) allows: that
        becomes its requirement (what the always-published cells leave it). A cell it cannot
        move at all is checked exactly (the audit's linear program with every suppressible
        cell unknown): if the always-published figures pin it to its value, suppressing it
        hides nothing, and it is published and counted (`determined_by_published_*`)."""
        return self._repair(hops, limit=True)

    def _limit(self, targets: np.ndarray, need: np.ndarray, reach: np.ndarray) -> None:
        stuck = reach < 1 - 1e-9
        if stuck.any():
            reach[stuck] = np.maximum(reach[stuck], self._widest(targets[stuck], need[stuck]))
        limited = reach < need - 1e-9
        cells = np.concatenate([self._limit_cells, targets[limited]])
        widths = np.concatenate([self._limit_width, reach[limited]])
        order = np.argsort(cells, kind="stable")
        self._limit_cells, self._limit_width = cells[order], widths[order]
        pinned = targets[reach < 1 - 1e-9]
        if len(pinned):
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _determined AS SELECT cell, is_event FROM _cells "
                "WHERE cell IN (SELECT unnest(?::BIGINT[]))",
                [pinned.tolist()],
            )
            # an event count: suppressing it hides nothing, it is published; a person count
            # stays blank (small person counts are never printed) and is reported: the
            # always-published figures give it away whatever is suppressed
            self.con.execute(
                "UPDATE _cells SET supp = FALSE WHERE cell IN "
                "(SELECT cell FROM _determined WHERE is_event)"
            )
            persons = (
                self.con.execute(
                    "SELECT list(cell ORDER BY cell) FROM _determined WHERE NOT is_event"
                ).fetchone()[0]
                or []
            )
            self._determined_persons = np.union1d(
                self._determined_persons, np.asarray(persons, dtype=np.int64)
            )
            self._determined_events = np.union1d(
                self._determined_events, np.setdiff1d(pinned, np.asarray(persons, dtype=np.int64))
            )
            self.determined_events = len(self._determined_events)
            self.determined_persons = len(self._determined_persons)

    def _widest(self, targets: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Interval widths of `targets` (needed up to `need`) with every suppressed or movable
        cell unknown: the most any protection under these rules could give them."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        rel = self.con.execute(
            """SELECT m.rel, m.cell, m.coef, c.value, (c.supp OR c.movable) AS free
               FROM _members m JOIN _cells c USING (cell)"""
        ).fetchnumpy()
        free = rel["free"].astype(bool)
        unknown, first = np.unique(rel["cell"][free], return_index=True)
        values = rel["value"][free][first].astype(float)
        col = np.searchsorted(unknown, rel["cell"][free])
        rel_ids, rel_pos = np.unique(rel["rel"], return_inverse=True)
        rhs = -np.bincount(
            rel_pos[~free], weights=(rel["coef"] * rel["value"])[~free], minlength=len(rel_ids)
        )
        rows = rel_pos[free]
        A = coo_matrix(
            (rel["coef"][free].astype(float), (rows, col)), shape=(len(rel_ids), len(unknown))
        ).tocsr()
        graph = coo_matrix(
            (np.ones(len(col)), (rows + len(unknown), col)),
            shape=(len(rel_ids) + len(unknown),) * 2,
        )
        _, labels = connected_components(graph, directed=False)
        cell_comp, rel_comp = labels[: len(unknown)], labels[len(unknown) :]
        best = np.full(len(targets), math.inf)
        at = np.searchsorted(unknown, targets)
        inside = (at < len(unknown)) & (unknown[np.minimum(at, len(unknown) - 1)] == targets)
        for comp in np.unique(cell_comp[at[inside]]):
            idx = np.flatnonzero(cell_comp == comp)
            ridx = np.flatnonzero(rel_comp == comp)
            min_width = np.zeros(len(idx))
            mine = inside & (cell_comp[np.minimum(at, len(unknown) - 1)] == comp)
            local = np.searchsorted(idx, at[mine])
            min_width[local] = need[mine]
            lo, hi, _ = _component_intervals(A[ridx][:, idx], rhs[ridx], values[idx], min_width)
            best[mine] = np.floor(hi[local] + 1e-7) - np.ceil(lo[local] - 1e-7)
        return best

    # --- independent parts, solved once -----------------------------------------------------
    def _components(self) -> None:
        """`_cells.comp`: the connected component of each cell over every relation (published
        cells included), `local` its rank inside it, and `_comp`: each component's digest, a
        hash of everything the protection of that component reads (its cells: identity, value,
        rule flags; its relations: members and coefficients, in order). No relation crosses
        components, and every step of `protect` treats a component by itself (passes are
        simultaneous, LPs are per component, ties go by the cells' order), so a component's
        result is a function of its digest: solved once, it is reused when it comes back
        (a new month leaves the components of the other years and months as they were)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        con = self.con
        n = int(con.execute("SELECT coalesce(max(cell), 0) + 1 FROM _cells").fetchone()[0])
        members = con.execute("SELECT rel, cell FROM _members").fetchnumpy()
        n_rel = int(members["rel"].max()) + 1 if len(members["rel"]) else 0
        graph = coo_matrix(
            (
                np.ones(len(members["rel"])),
                (members["rel"].astype(np.int64) + n, members["cell"].astype(np.int64)),
            ),
            shape=(n + n_rel,) * 2,
        )
        _, labels = connected_components(graph, directed=False)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _cell_comp AS "
            "SELECT unnest(range(?::BIGINT)) AS cell, unnest(?::BIGINT[]) AS comp",
            [n, labels[:n].tolist()],
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _cells AS
               SELECT c.*, k.comp,
                      row_number() OVER (PARTITION BY k.comp ORDER BY c.cell) - 1 AS local
               FROM _cells c JOIN _cell_comp k USING (cell)"""
        )
        con.execute("DROP TABLE _cell_comp")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _comp AS
               WITH cells AS (
                   SELECT comp, count(*) AS n, md5(string_agg(concat_ws('~', mart, rowkey, measure,
                          value, is_primary, eligible, movable, implied_zero, tier, is_event,
                          level, is_total), '#' ORDER BY local)) AS d
                   FROM _cells GROUP BY comp),
               rel AS (
                   SELECT c.comp, m.rel,
                          string_agg(c.local || ':' || m.coef, ',' ORDER BY c.local, m.coef) AS r
                   FROM _members m JOIN _cells c USING (cell) GROUP BY c.comp, m.rel),
               rels AS (SELECT comp, md5(string_agg(r, '#' ORDER BY rel)) AS d
                        FROM rel GROUP BY comp)
               SELECT comp, n, md5(cells.d || '/' || coalesce(rels.d, '')) AS digest
               FROM cells LEFT JOIN rels USING (comp)"""
        )

    def _freeze(self, known: dict[str, dict]) -> None:
        """Set aside the components solved before (`known`, by digest): their cells take the
        suppression they had, and the rest of `protect` works on the other components only."""
        con = self.con
        digests = [r[0] for r in con.execute("SELECT DISTINCT digest FROM _comp").fetchall()]
        self.reused = {d: known[d] for d in digests if d in known}
        pairs = [(d, int(i)) for d, entry in self.reused.items() for i in entry["suppressed"]]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _reuse AS SELECT unnest(?::VARCHAR[]) AS digest",
            [list(self.reused)],
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _reuse_supp AS "
            "SELECT unnest(?::VARCHAR[]) AS digest, unnest(?::BIGINT[]) AS local",
            [[d for d, _ in pairs], [i for _, i in pairs]],
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _cells_frozen AS
               SELECT c.* REPLACE (EXISTS (SELECT 1 FROM _reuse_supp r
                                           WHERE r.digest = k.digest AND r.local = c.local)
                                   AS supp)
               FROM _cells c JOIN _comp k USING (comp) SEMI JOIN _reuse USING (digest)"""
        )
        con.execute("DELETE FROM _cells WHERE cell IN (SELECT cell FROM _cells_frozen)")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _members_frozen AS "
            "SELECT * FROM _members SEMI JOIN _cells_frozen USING (cell)"
        )
        con.execute("DELETE FROM _members WHERE cell IN (SELECT cell FROM _cells_frozen)")
        con.execute("DROP TABLE _reuse; DROP TABLE _reuse_supp")

    def _thaw(self) -> None:
        con = self.con
        con.execute("INSERT INTO _cells SELECT * FROM _cells_frozen")
        con.execute("INSERT INTO _members SELECT * FROM _members_frozen")
        con.execute("DROP TABLE _cells_frozen; DROP TABLE _members_frozen")

    def _solved_components(self) -> dict[str, dict]:
        """What each component solved in this run gives: its suppressed cells (by rank in the
        component) and its part of the audit's figures, to be reused when it comes back."""
        con = self.con
        rows = con.execute(
            """SELECT k.digest, list(c.local ORDER BY c.local) FILTER (WHERE c.supp),
                      list(c.cell ORDER BY c.cell)
               FROM _cells c JOIN _comp k USING (comp)
               WHERE k.digest NOT IN (SELECT unnest(?::VARCHAR[]))
               GROUP BY k.digest""",
            [list(self.reused)],
        ).fetchall()
        a = self._audit
        width = np.floor(a["hi"] + 1e-7) - np.ceil(a["lo"] - 1e-7) if len(a["cells"]) else None
        out = {}
        for digest, suppressed, cells in rows:
            cells = np.asarray(cells, dtype=np.int64)
            mine = np.isin(a["cells"], cells)
            w, primary = (width[mine], a["primary"][mine]) if width is not None else ([], [])
            finite = [x for x in w if np.isfinite(x)]
            out[digest] = {
                "suppressed": list(suppressed or []),
                "figures": {
                    "suppressed": int(len(suppressed or [])),
                    "narrowest_primary_interval": float(np.min(w[primary]))
                    if len(w) and primary.any()
                    else None,
                    "narrowest_interval": float(np.min(w)) if len(w) else None,
                    "narrowest_finite_interval": float(min(finite)) if finite else None,
                    "released_complements": int(np.isin(self._released, cells).sum()),
                    "limited_by_published": int(np.isin(self._limit_cells, cells).sum()),
                    "determined_by_published_events": int(
                        np.isin(self._determined_events, cells).sum()
                    ),
                    "determined_by_published_persons": int(
                        np.isin(self._determined_persons, cells).sum()
                    ),
                },
            }
        return out

    def _with_reused(self, figures: dict) -> dict:
        """The audit's figures over the whole publication: this run's components plus the
        reused ones (each passed its audit when it was solved, with nothing failing)."""
        parts = [e["figures"] for e in self.reused.values()]
        for name in (
            "suppressed",
            "released_complements",
            "limited_by_published",
            "determined_by_published_events",
            "determined_by_published_persons",
        ):
            figures[name] = figures.get(name, 0) + sum(p[name] for p in parts)
        for name in (
            "narrowest_primary_interval",
            "narrowest_interval",
            "narrowest_finite_interval",
        ):
            values = [v for v in [figures.get(name), *(p[name] for p in parts)] if v is not None]
            figures[name] = min(values) if values else None
        figures["reused_components"] = len(parts)
        figures["reused_cells"] = int(
            self.con.execute(
                "SELECT coalesce(sum(n), 0) FROM _comp WHERE digest IN (SELECT unnest(?::VARCHAR[]))",
                [list(self.reused)],
            ).fetchone()[0]
        )
        return figures

    def protect(self, known: dict[str, dict] | None = None) -> dict:
        """Protect and audit; `known`: components solved before (digest -> result, from
        `solved` of an earlier run whose audit passed), reused where they come back."""
        self.build()
        self._components()
        self._freeze(known or {})
        passes = self.close()
        self.audit()
        released = self.release_fixed()
        figures = self._summary()

        def short() -> bool:
            return bool(figures["failing"] or figures["exactly_recoverable_complements"])

        rounds = 0
        for step, hops in REPAIR_STEPS:
            if not short():
                break
            rounds += 1
            if step == "repair_and_limit":
                self.repair_and_limit(hops)
            elif not self.lp_repair(hops):
                continue
            self.audit(focus=True)
            released += self.release_fixed()
            figures = self._summary()
        figures.update(
            {
                "passes": passes,
                "repair_rounds": rounds,
                "released_complements": released,
                "limited_by_published": int(len(self._limit_cells)),
                "determined_by_published_events": self.determined_events,
                "determined_by_published_persons": self.determined_persons,
            }
        )
        self._thaw()
        self.solved = self._solved_components()
        figures = self._with_reused(figures)
        figures.update(
            {
                "relations": self.con.execute(
                    "SELECT count(DISTINCT rel) FROM _members"
                ).fetchone()[0],
                "violated_relations": self.violated,
            }
        )
        return figures

    # --- output -------------------------------------------------------------------------------
    def write(self, schema: str) -> None:
        """`schema`.<mart> = the mart with suppressed counts NULL (flag 'c'), derived values
        NULL where a count they use is suppressed, mirrors NULL where their source is."""
        con = self.con
        for name, (table, p) in self.marts.items():
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            flags = ", ".join(
                f"coalesce(bool_or(supp) FILTER (WHERE measure = {_lit(c)}), FALSE) AS {_q('s_' + c)}"
                for c in p.counts
            )
            joins, mirror_flags = [], {}
            for j, (col, (mart, src, on)) in enumerate(p.mirrors.items()):
                alias = f"mir{j}"
                joins.append(
                    f"""LEFT JOIN (SELECT x._row, bool_or(c.supp) AS s
                                  FROM {_q("_rows_" + name)} x
                                  JOIN {_q("_rows_" + mart)} y ON {on}
                                  JOIN _cells c ON c.mart = {_lit(mart)} AND c._row = y._row
                                                AND c.measure IN ({", ".join(_lit(x) for x in src.split(","))})
                                  GROUP BY x._row) {alias} ON {alias}._row = r._row"""
                )
                mirror_flags[col] = f"coalesce({alias}.s, FALSE)"
            select = []
            for c in cols:
                if c in p.counts:
                    select.append(
                        f"CASE WHEN f.{_q('s_' + c)} THEN NULL ELSE r.{_q(c)} END AS {_q(c)}"
                    )
                    select.append(f"CASE WHEN f.{_q('s_' + c)} THEN 'c' END AS {_q(c + '_flag')}")
                elif c in mirror_flags:
                    select.append(
                        f"CASE WHEN {mirror_flags[c]} THEN NULL ELSE r.{_q(c)} END AS {_q(c)}"
                    )
                elif c in p.derived:
                    deps = p.derived[c]
                    cond = (
                        " OR ".join(mirror_flags.get(d) or f"f.{_q('s_' + d)}" for d in deps)
                        or "FALSE"
                    )
                    select.append(f"CASE WHEN {cond} THEN NULL ELSE r.{_q(c)} END AS {_q(c)}")
                else:
                    select.append(f"r.{_q(c)}")
            con.execute(
                f"""CREATE OR REPLACE TABLE {schema}.{_q(name)} AS
                    WITH f AS (SELECT _row, {flags} FROM _cells WHERE mart = {_lit(name)}
                               GROUP BY _row)
                    SELECT {", ".join(select)}
                    FROM {_q("_rows_" + name)} r LEFT JOIN f USING (_row) {" ".join(joins)}
                    ORDER BY r._row"""
            )

    def utility(self) -> list[tuple]:
        """Per mart and level: cells, suppressed, primary, suppressed share of the count mass."""
        return self.con.execute(
            """SELECT mart, level, count(*) AS cells, count_if(supp) AS suppressed,
                      count_if(is_primary) AS primary_suppressed,
                      round(coalesce(sum(value) FILTER (WHERE supp), 0) / nullif(sum(value), 0), 6)
                          AS suppressed_mass_share
               FROM _cells GROUP BY ALL ORDER BY mart, level"""
        ).fetchall()

    def mart_mass_share(self) -> list[tuple]:
        """Per mart, over all its levels: the suppressed share of the count mass."""
        return self.con.execute(
            """SELECT mart, round(coalesce(sum(value) FILTER (WHERE supp), 0)
                                  / nullif(sum(value), 0), 6)
               FROM _cells GROUP BY mart ORDER BY mart"""
        ).fetchall()

    def drop(self) -> None:
        for name in self.marts:
            self.con.execute(f"DROP TABLE IF EXISTS {_q('_rows_' + name)}")
        for t in (
            *("_cells", "_members", "_rel_state", "_pick", "_ub", "_determined", "_comp"),
            *("_cells_frozen", "_members_frozen"),
        ):
            self.con.execute(f"DROP TABLE IF EXISTS {t}")


def _component_intervals(A, b, values, min_width: np.ndarray):
    """Narrow [lo, hi] of the cells `idx` of one component to the true LP bounds where needed:
    first a few combined objectives whose optima widen every cell at once, then one LP per cell
    still narrower than `min_width`. Returns (lower bounds, upper bounds, LP solves)."""
    import highspy

    n = A.shape[1]
    if A.shape[0] == 0:
        return values.copy(), np.full(n, math.inf), 0  # in no relation: nothing bounds it above
    if n == 1:
        return values.copy(), values.copy(), 0  # alone in its relations: fixed by them
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # many re-solves of one model after a change of objective: warm-started primal simplex
    # (measured 16× faster than the default dual simplex here)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, A.shape[0]
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.full(n, inf)
    lp.row_lower_ = lp.row_upper_ = np.asarray(b, dtype=float)
    csc = A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    h.passModel(lp)
    solves = 0
    local_lo, local_hi = values.copy(), values.copy()

    def solve(cost, sense) -> tuple[bool, np.ndarray | None]:
        nonlocal solves
        solves += 1
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))
        h.changeObjectiveSense(sense)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return True, np.array(h.getSolution().col_value)
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return False, None
        raise RuntimeError(f"disclosure audit: LP status {h.modelStatusToString(status)}")

    maximize, minimize = highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize
    # Every optimum is a feasible table: it widens the known interval of every cell at once.
    # Random objectives over the cells not yet certified push many of them to their bounds in
    # one solve; the cells left get their own two LPs (the exact interval).
    rng = np.random.default_rng(n)
    for _ in range(12):
        open_ = np.floor(local_hi + 1e-7) - np.ceil(local_lo - 1e-7) < min_width
        if open_.sum() < 8:
            break
        weights = np.where(open_, rng.uniform(-1, 1, n), 0.0)
        ok, x = solve(weights, maximize)
        if not ok:
            break  # unbounded somewhere: the per-cell solves below settle which cells
        local_lo = np.minimum(local_lo, x)
        local_hi = np.maximum(local_hi, x)
    for j in range(n):
        if math.floor(local_hi[j] + 1e-7) - math.ceil(local_lo[j] - 1e-7) >= min_width[j]:
            continue
        unit = np.zeros(n)
        unit[j] = 1.0
        ok, x = solve(unit, maximize)
        if not ok:
            local_hi[j] = math.inf
            continue
        local_hi = np.maximum(local_hi, x)
        local_lo = np.minimum(local_lo, x)
        if math.floor(local_hi[j] + 1e-7) - math.ceil(local_lo[j] - 1e-7) >= min_width[j]:
            continue
        ok, x = solve(unit, minimize)
        if ok:
            local_lo = np.minimum(local_lo, x)
            local_hi = np.maximum(local_hi, x)
    return local_lo, local_hi, solves


def _deviation_repair(
    cell, members, targets, lo, hi, value_of, need, hops=4, max_cells=40000, probe=False
):
    """Cells to suppress so that every target cell can move by what it needs. For each target,
    over its neighbourhood (the cells `hops` relations away that may be suppressed), a linear
    program finds a deviation d of the table with A·d = 0 on every relation, value + d ≥ 0,
    d = 0 outside the neighbourhood and on cells never suppressed, d = +t on the target (then
    −t), t as large as needed and the cost of the cells d changes (suppressed ones free) least.
    Suppressing where d ≠ 0 leaves the attacker a second table they cannot rule out.
    Returns (cells to suppress, the width each target reaches). `probe`: suppress nothing,
    cost nothing: only how wide each target could become within its neighbourhood."""
    import highspy
    from scipy.sparse import coo_matrix, hstack

    ids = cell["cell"].astype(np.int64)
    size = int(ids.max()) + 1
    value = np.zeros(size)
    value[ids] = cell["value"]
    supp = np.zeros(size, dtype=bool)
    supp[ids] = cell["supp"].astype(bool)
    allowed = supp.copy()
    allowed[ids] |= cell["eligible"].astype(bool)
    tier = np.zeros(size)
    tier[ids] = cell["tier"]
    rel = members["rel"].astype(np.int64)
    matrix = coo_matrix(
        (members["coef"].astype(float), (rel, members["cell"].astype(np.int64))),
        shape=(int(rel.max()) + 1, size),
    )
    by_rel, by_cell = matrix.tocsr(), matrix.tocsc()
    added: list[np.ndarray] = []
    inf = highspy.kHighsInf

    def neighbourhood(c: int) -> np.ndarray:
        cells = frontier = np.array([c], dtype=np.int64)
        for _ in range(hops):
            rels = np.unique(by_cell[:, frontier].indices)
            reach = np.unique(by_rel[rels].indices)
            fresh = np.setdiff1d(reach[allowed[reach]], cells)
            if not len(fresh):
                break
            cells = np.union1d(cells, fresh)
            frontier = fresh
            if len(cells) > max_cells:
                break
        return cells

    def deviate(c: int, cells: np.ndarray, direction: float, limit: float) -> float:
        """Largest t ≤ limit the target can move (in `direction`) at least cost; suppresses
        the cells the cheapest such deviation changes; returns t."""
        if limit <= 0:
            return 0.0
        rels = np.unique(by_cell[:, cells].indices)
        sub = by_rel[rels][:, cells].tocsc()
        pos = int(np.searchsorted(cells, c))
        others = np.delete(np.arange(len(cells)), pos)
        other_cells = cells[others]
        a_other, a_target = sub[:, others], sub[:, [pos]] * direction
        k = len(others)
        if probe:
            cost = np.zeros(k)
        else:
            cost = np.where(
                supp[other_cells], 0.0, (1.0 + value[other_cells]) * (1.0 + tier[other_cells])
            )
        big = 1.0 + 2.0 * float(cost.sum())
        a = hstack([a_other, -a_other, a_target]).tocsc()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 2 * k + 1, a.shape[0]
        lp.col_cost_ = np.concatenate([cost, cost, [-big]])
        lp.col_lower_ = np.zeros(2 * k + 1)
        lp.col_upper_ = np.concatenate([np.full(k, inf), value[other_cells], [limit]])
        lp.row_lower_ = lp.row_upper_ = np.zeros(a.shape[0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return 0.0
        x = np.array(h.getSolution().col_value)
        t = float(x[-1])
        if t <= 1e-9:
            return 0.0
        if not probe:
            moved = other_cells[np.abs(x[:k] - x[k : 2 * k]) > 1e-9]
            fresh = moved[~supp[moved]]
            if len(fresh):
                supp[fresh] = True
                added.append(fresh)
        return t

    reached = np.zeros(len(targets))
    for i, (c, req, low, high, v) in enumerate(zip(targets, need, lo, hi, value_of, strict=True)):
        c = int(c)
        low, high = math.ceil(low - 1e-7), math.floor(high + 1e-7)
        cells = neighbourhood(c)
        up = low + req - v  # the table with the target at low + req makes the width req
        if up > high - v:
            high = max(high, v + math.floor(deviate(c, cells, 1.0, up) + 1e-7))
        down = v - (high - req)  # what the width still lacks, taken below
        if down > v - low:
            low = min(low, v - math.floor(deviate(c, cells, -1.0, min(down, v)) + 1e-7))
        reached[i] = high - low
    added_cells = np.unique(np.concatenate(added)) if added else np.array([], dtype=np.int64)
    return added_cells, reached
