"""Statistical disclosure control of the published marts, as one linked protection problem.

Every count a mart publishes is a *cell*. Cells are tied together by *relations*, the linear
equations the published tables state themselves and that an attacker can use:

- categories add up to their total row (sexes to 'Tổng', ICCS sections to 'ALL', types to 'all');
- 2025 communes add up to their former district, districts to the province;
- equations inside a row (the demographic balance, labour force = employed + unemployed);
- links between marts: the same quantity in two marts (population on 1 January in
  `population_indicators` and `population_change`), months adding up to the year, age groups of
  `population_by_age_sex` adding up to the indicators, sections adding up to employment.

Method (a linked, audited variant of the τ-ARGUS *hypercube/modular* idea, written here because
no maintained Python library protects linked tables of this shape from DataFrames; the audit
below is what proves it):

1. Primary suppression: a person count from 1 to DE06_MIN_CELL − 1; an event count (incidents,
   violations, stays) only where the mart's rule says a cell can point at a person; every count
   of a lodging row describing fewer than 3 establishments.
2. Secondary suppression, at least cost: while some relation holds exactly one suppressed cell,
   or its suppressed cells (all on one side of the equation) leave less than DE06_MIN_CELL of
   room to move, suppress one more of its cells: commune cells before district cells before
   province cells, a cell that closes a cycle with already suppressed cells first, the smallest
   sufficient value first. Zeros are never suppressed (an attacker who knows the method knows a
   suppressed cell is at least 1, and the audit assumes so); a province or former-district total
   is taken only when nothing else can protect a cell; event counts at province level never.
3. Audit: for every suppressed cell, the interval an attacker can narrow it to from everything
   published (a linear program over all relations, suppressed cells ≥ 0) is computed with HiGHS.
   Publication is refused when any interval is narrower than DE06_MIN_CELL; before refusing,
   the cells in the relations of a failing cell are offered as further complements (a few rounds).

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
REPAIR_ROUNDS = 2
FALLBACK_ROUNDS = 1


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
        # province cells and former-district totals are published: never taken as complements
        con.execute("UPDATE _cells SET eligible = FALSE WHERE tier >= 2")
        # a zero in a relation whose cells are all zero is implied by the published total:
        # suppressing it would protect nothing, so it is never a complement
        con.execute(
            """UPDATE _cells SET eligible = FALSE WHERE value = 0 AND cell IN (
                   SELECT m.cell FROM _members m JOIN (
                       SELECT m2.rel FROM _members m2 JOIN _cells c2 USING (cell)
                       GROUP BY m2.rel HAVING max(abs(c2.value)) = 0) z USING (rel))"""
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
    def audit(self) -> dict:
        """Intervals of the suppressed cells from everything published; returns figures and
        keeps the failing cells in `self.failing` (cell ids)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        con = self.con
        self._caps()
        # a primary cell must keep DE06_MIN_CELL of room (or what the always-published totals
        # leave); a complement, not sensitive itself, must not be exactly recoverable
        supp = con.execute(
            """SELECT cell, value, CASE WHEN is_primary THEN cap ELSE least(cap, 1) END AS required
               FROM _cells JOIN _cap USING (cell) WHERE supp ORDER BY cell"""
        ).fetchnumpy()
        cells, values = supp["cell"].astype(np.int64), supp["value"].astype(float)
        required = supp["required"].astype(float)
        result = {
            "suppressed": int(len(cells)),
            "narrowest_interval": None,
            "failing": 0,
            "lp_solves": 0,
            "components": 0,
        }
        self.failing = self.failing_primary = self.exact_primary = np.array([], dtype=np.int64)
        self.width = np.array([])
        if not len(cells):
            return result
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
        lo, hi = values.copy(), values.copy()
        solves = 0
        order = np.argsort(cell_comp, kind="stable")
        bounds = np.searchsorted(cell_comp[order], np.arange(n_comp + 1))
        rel_order = np.argsort(rel_comp, kind="stable")
        rel_bounds = np.searchsorted(rel_comp[rel_order], np.arange(n_comp + 1))
        jobs = []
        for k in range(n_comp):
            idx = order[bounds[k] : bounds[k + 1]]
            if len(idx):
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
                        pool.submit(_component_intervals, sub, b, values[idx], required[idx]),
                    )
                    for idx, _, sub, b in large
                ]
                if pool
                else []
            )
            for idx, _, sub, b in jobs:
                if pool and len(idx) >= PARALLEL_MIN_CELLS:
                    continue
                lo[idx], hi[idx], n = _component_intervals(sub, b, values[idx], required[idx])
                solves += n
            for idx, _, future in futures:
                lo[idx], hi[idx], n = future.result()
                solves += n
        finally:
            if pool:
                pool.shutdown()
        width = np.floor(hi + 1e-7) - np.ceil(lo - 1e-7)
        self.width = width
        short = width < required - 1e-9
        self.failing = cells[short]
        primary, persons = con.execute(
            "SELECT list(cell ORDER BY cell), list(cell ORDER BY cell) FILTER (WHERE NOT is_event) "
            "FROM _cells WHERE supp AND is_primary"
        ).fetchone()
        is_primary = np.isin(cells, np.asarray(primary or [], dtype=np.int64))
        is_person = np.isin(cells, np.asarray(persons or [], dtype=np.int64))
        failing = cells[short & is_primary]
        self.failing_primary = failing
        self.exact_primary = cells[(width < np.minimum(required, 1) - 1e-9) & is_primary]
        # blocking: a primary cell recovered exactly although the published totals leave room
        result["exactly_recoverable"] = int(
            ((width < np.minimum(required, 1) - 1e-9) & is_primary).sum()
        )
        result["exactly_recoverable_persons"] = int(
            ((width < np.minimum(required, 1) - 1e-9) & is_person).sum()
        )
        result["narrower_than_required_persons"] = int((short & is_person).sum())
        result["exactly_recoverable_complements"] = int(((width < 1) & ~is_primary).sum())
        result["exactly_recoverable_primary"] = int(((width < 1) & is_primary).sum())
        result["narrowest_primary_interval"] = (
            float(width[is_primary].min()) if is_primary.any() else None
        )
        finite = width[np.isfinite(width)]
        result.update(
            {
                "narrowest_interval": float(width.min()) if len(width) else None,
                "narrowest_finite_interval": float(finite.min()) if len(finite) else None,
                "failing": int(len(failing)),
                "lp_solves": int(solves),
                "components": comps_used,
            }
        )
        return result

    def _caps(self) -> None:
        """The width each suppressed cell must reach: DE06_MIN_CELL, or less where a total that
        is always published (event counts at province level) is itself smaller: under a
        published total, the suppressed parts can never move by more than their sum."""
        con = self.con
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _cap AS SELECT cell, {self.m}::DOUBLE AS cap "
            "FROM _cells WHERE supp"
        )
        # a relation none of whose published cells may be suppressed: one suppressed cell in it
        # is fixed by it; suppressed cells all on one side move within their sum
        con.execute(
            """UPDATE _cap SET cap = least(_cap.cap, x.b) FROM (
                   WITH r AS (
                       SELECT m.rel, count_if(c.supp) AS n,
                              sum(c.value) FILTER (WHERE c.supp) AS s,
                              count(DISTINCT sign(m.coef)) FILTER (WHERE c.supp) AS signs,
                              count_if(NOT c.supp AND c.eligible) AS open
                       FROM _members m JOIN _cells c USING (cell) GROUP BY m.rel)
                   SELECT m.cell, min(CASE WHEN r.n = 1 THEN 0 ELSE r.s END) AS b
                   FROM _members m JOIN r USING (rel)
                   WHERE r.open = 0 AND r.n >= 1 AND (r.n = 1 OR r.signs = 1)
                   GROUP BY m.cell) x
               WHERE _cap.cell = x.cell AND x.b < _cap.cap"""
        )
        for _ in range(4):  # commune → district → province, and links
            con.execute(
                """UPDATE _cap SET cap = least(_cap.cap, x.b) FROM (
                       WITH totals AS (
                           SELECT m.rel, any_value(c.cell) AS cell, any_value(c.supp) AS supp,
                                  any_value(c.eligible) AS eligible
                           FROM _members m JOIN _cells c USING (cell) WHERE m.coef < 0
                           GROUP BY m.rel HAVING count(*) = 1),
                       parts AS (
                           SELECT m.rel, sum(c.value) FILTER (WHERE c.supp) AS s,
                                  count_if(c.supp) AS n
                           FROM _members m JOIN _cells c USING (cell) WHERE m.coef > 0
                           GROUP BY m.rel),
                       bound AS (
                           -- one suppressed part under such a total is fixed by it
                           SELECT t.rel, CASE WHEN NOT t.supp AND NOT t.eligible
                                                  THEN CASE WHEN p.n > 1 THEN p.s ELSE 0 END
                                              WHEN t.supp THEN k.cap END AS b
                           FROM totals t JOIN parts p USING (rel)
                           LEFT JOIN _cap k ON k.cell = t.cell)
                       SELECT m.cell, min(bound.b) AS b FROM _members m JOIN bound USING (rel)
                       WHERE m.coef > 0 AND bound.b IS NOT NULL GROUP BY m.cell) x
                   WHERE _cap.cell = x.cell AND x.b < _cap.cap"""
            )

    def repair(self, wide: bool = False) -> int:
        """Offer more complements around the failing cells: the best cell of each of their
        relations, or (`wide`) every cell below the totals in them; returns cells added."""
        if not len(self.failing):
            return 0
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _failing AS SELECT unnest(?::BIGINT[]) AS cell",
            [self.failing.tolist()],
        )
        if wide:
            return con.execute(
                """UPDATE _cells SET supp = TRUE WHERE NOT supp AND eligible AND tier < 2
                   AND cell IN (SELECT m.cell FROM _members m WHERE m.rel IN (
                       SELECT rel FROM _members SEMI JOIN _failing USING (cell)))"""
            ).fetchone()[0]
        self._relation_state()
        return self._add_complements(
            f"""SELECT DISTINCT m.rel, {self.m} AS need, CAST(NULL AS INTEGER) AS side
                FROM _members m SEMI JOIN _failing USING (cell)"""
        )

    def protect(self) -> dict:
        self.build()
        passes = self.close()
        rounds = 0
        figures = self.audit()
        while figures["failing"] and rounds < REPAIR_ROUNDS:
            rounds += 1
            # the last round suppresses around a failing primary cell wholesale: privacy first
            wide = rounds == REPAIR_ROUNDS
            if wide:
                self.failing = self.failing_primary
            if not self.repair(wide=wide) and wide:
                break
            passes += self.close()
            figures = self.audit()
        # last resort, privacy before utility: around a primary cell still recovered exactly,
        # suppress every cell below the totals of its relations
        fallback = 0
        while figures["exactly_recoverable"] and fallback < FALLBACK_ROUNDS:
            fallback += 1
            self.failing = self.exact_primary
            if not self.repair(wide=True):
                break
            passes += self.close()
            figures = self.audit()
        figures["fallback_rounds"] = fallback
        figures.update(
            {
                "passes": passes,
                "repair_rounds": rounds,
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
        for t in ("_cells", "_members", "_rel_state", "_pick", "_failing", "_cap"):
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
