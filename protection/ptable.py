"""The perturbation table (p-table) of the cell key method, built by the maximum-entropy approach
of Destatis' R package `ptable` (Giessing 2016, "Computational issues in the design of transition
probabilities and disclosure risk estimation for additive noise", PSD 2016, LNCS 9867; Enderle,
Giessing and Tent: `ptable` 1.0).

For an original count i the table gives the probability p(j | i) of publishing j. Row by row,
the distribution over the allowed targets j maximises the entropy −Σ p log p subject to:

- Σ p = 1;
- unbiased: Σ (j − i) p = 0;
- variance: Σ (j − i)² p ≤ V;
- bounded noise: |j − i| ≤ D, and j ≥ 0;
- no small published counts: j ∉ {1, …, js} (a 1 or a 2 is never published when js = 2);
- a zero stays a zero (row 0: p(0 | 0) = 1);
- every allowed target keeps a probability of at least 1e-8, and (`mono`) the probabilities of
  the downward deviations do not decrease towards 0 (p(i−3) ≤ p(i−2) ≤ p(i−1) ≤ p(i)),
  as in `ptable`'s optimisation variant 1 (`pt_optim_entropy`, NLopt SLSQP there, SciPy's
  SLSQP here).

Rows exist for i = 0 … D + js + 1 (`ptable`'s `ncat`); the last row is symmetric and serves every
larger count. For counts that must jump over the forbidden values (i = 1, 2 with js = 2) no
distribution with variance V may exist; `ptable` then keeps whatever its optimiser returns. Here
such a row is solved with its variance bound raised to the smallest variance the row can have
(a linear program), so the result is well defined; `Ptable.rows()` reports each row's variance.

The lookup (the cell key method): a cell's key ck ∈ [0, 1) falls in exactly one of the row's
intervals [lower, upper), laid end to end in the order of j; that interval's deviation v = j − i
is added to the count. Interval bounds are rounded to 8 decimals and p is their difference, as
`ptable` does, so the intervals tile [0, 1) exactly.

    python -m protection.ptable --D 3 --V 2 --js 2     # writes protection/reference/ptable_D3_V2_js2.csv
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.optimize import linprog, minimize

REFERENCE = Path(__file__).resolve().parent / "reference"
EPSILON = 1e-8  # the smallest probability of an allowed target (`ptable`: 1 / 10^ndigits)
DIGITS = 8  # interval bounds are rounded to this many decimals


@dataclass(frozen=True)
class PtableRow:
    i: int  # original count (the last row serves every larger count)
    j: int  # published count
    v: int  # deviation j − i
    p: float  # transition probability p(j | i)
    lower: float  # the cell keys [lower, upper) publish j
    upper: float


def _targets(i: int, D: int, js: int) -> np.ndarray:
    j = np.arange(max(i - D, 0), i + D + 1)
    return j[(j == 0) | (j > js)]


def _min_variance(v: np.ndarray) -> float:
    """The smallest variance a row with deviations v can have (unbiased, p ≥ EPSILON)."""
    result = linprog(
        c=v.astype(float) ** 2,
        A_eq=np.vstack([np.ones(len(v)), v]),
        b_eq=[1.0, 0.0],
        bounds=[(EPSILON, 1.0)] * len(v),
        method="highs",
    )
    if not result.success:
        raise ValueError(f"no unbiased distribution over the deviations {v.tolist()}")
    return float(result.fun)


def _feasible_point(v: np.ndarray, variance: float, constraints: list) -> np.ndarray:
    """A point inside the row's constraints: the linear program's solution with the largest
    smallest probability (an interior point, so the line search can move from it)."""
    n = len(v)
    # variables p_1 … p_n, t; maximise t subject to p ≥ t, Σp = 1, Σvp = 0, Σv²p ≤ variance, and
    # the monotony rows (given as ineq constraints r @ p ≥ 0)
    mono = [c["jac"](np.zeros(n)) for c in constraints[3:]]
    a_ub = [np.append(-np.eye(n)[k], 1.0) for k in range(n)]
    a_ub.append(np.append(v**2, 0.0))
    a_ub += [np.append(-r, 0.0) for r in mono]
    b_ub = [0.0] * n + [variance] + [0.0] * len(mono)
    result = linprog(
        c=np.append(np.zeros(n), -1.0),
        A_ub=np.array(a_ub),
        b_ub=b_ub,
        A_eq=np.array([np.append(np.ones(n), 0.0), np.append(v, 0.0)]),
        b_eq=[1.0, 0.0],
        bounds=[(EPSILON, 1.0)] * n + [(0, 1)],
        method="highs",
    )
    return result.x[:n] if result.success else np.full(n, 1.0 / n)


def _keeps_constraints(p: np.ndarray, constraints: list, tolerance: float = 1e-9) -> bool:
    return all(
        abs(c["fun"](p)) <= tolerance if c["type"] == "eq" else c["fun"](p) >= -tolerance
        for c in constraints
    )


def _max_entropy(v: np.ndarray, variance: float, mono: bool) -> np.ndarray:
    """Maximum-entropy probabilities over the deviations v (ascending), unbiased, with
    Σ v² p ≤ variance, p ≥ EPSILON and, with `mono`, p non-decreasing up to v = 0."""
    n = len(v)
    vf = v.astype(float)
    constraints = [
        {"type": "eq", "fun": lambda p: p.sum() - 1.0, "jac": lambda p: np.ones(n)},
        {"type": "eq", "fun": lambda p: p @ vf, "jac": lambda p: vf},
        {"type": "ineq", "fun": lambda p: variance - p @ vf**2, "jac": lambda p: -(vf**2)},
    ]
    if mono and 0 in v:
        zero = int(np.flatnonzero(v == 0)[0])
        for k in range(zero):  # p[k] ≤ p[k + 1]
            row = np.zeros(n)
            row[k], row[k + 1] = -1.0, 1.0
            constraints.append(
                {"type": "ineq", "fun": lambda p, r=row: r @ p, "jac": lambda p, r=row: r}
            )

    def neg_entropy(p):
        return float(np.sum(p * np.log(p)))

    def gradient(p):
        return np.log(p) + 1.0

    # SLSQP from the uniform distribution; where its line search stalls, again from a feasible
    # point (the linear program's), which always lies inside the constraints
    for start in (np.full(n, 1.0 / n), _feasible_point(vf, variance, constraints)):
        result = minimize(
            neg_entropy,
            start,
            jac=gradient,
            bounds=[(EPSILON, 1.0)] * n,
            constraints=constraints,
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        # SLSQP may stop at the optimum saying its line search cannot improve any further
        # ("positive directional derivative"): accept a point that keeps every constraint
        if result.success or _keeps_constraints(result.x, constraints):
            break
    else:
        raise ValueError(f"p-table row over {v.tolist()}: {result.message}")
    p = np.clip(result.x, EPSILON, 1.0)
    return p / p.sum()


@dataclass(frozen=True)
class Ptable:
    """A count p-table: D (maximum deviation), V (variance), js (largest count never
    published: DE06_MIN_CELL − 1), mono (monotony of the downward deviations)."""

    D: int
    V: float
    js: int
    mono: bool = True

    def __post_init__(self):
        if self.D < 1 or self.V <= 0 or self.js < 0:
            raise ValueError("a p-table needs D ≥ 1, V > 0 and js ≥ 0")
        if self.js > 0 and self.js + 1 > self.D:
            raise ValueError(
                f"a p-table with js = {self.js} (DE06_MIN_CELL = {self.js + 1}) needs a maximum "
                f"deviation D ≥ {self.js + 1}: the smallest publishable count, {self.js + 1}, "
                f"can only move down to 0, and must be able to reach it to stay unbiased "
                f"(D = {self.D})"
            )

    @property
    def ncat(self) -> int:
        """The largest original count with a row of its own (`ptable`'s ncat)."""
        return self.D if self.js == 0 else self.D + self.js + 1

    @property
    def label(self) -> str:
        return f"D{self.D}_V{self.V:g}_js{self.js}"

    @cached_property
    def table(self) -> tuple[PtableRow, ...]:
        """The table in force: the committed reference file of these parameters
        (protection/reference/), so every run and every machine publishes the same values;
        computed when no file holds these parameters (another DE06_MIN_CELL)."""
        if self.path.exists():
            return tuple(read_ptable(self.path))
        return self.computed

    @property
    def from_reference(self) -> bool:
        return self.path.exists()

    @cached_property
    def computed(self) -> tuple[PtableRow, ...]:
        """The table computed from the parameters (maximum entropy, row by row)."""
        rows = [PtableRow(0, 0, 0, 1.0, 0.0, 1.0)]
        for i in range(1, self.ncat + 1):
            j = _targets(i, self.D, self.js)
            v = j - i
            bound = max(self.V, _min_variance(v) * (1 + 1e-9))
            p = _max_entropy(v, bound, self.mono)
            upper = np.round(np.cumsum(p), DIGITS)
            upper[-1] = 1.0
            lower = np.concatenate([[0.0], upper[:-1]])
            rows += [
                PtableRow(i, int(jj), int(vv), float(u - lo), float(lo), float(u))
                for jj, vv, lo, u in zip(j, v, lower, upper, strict=True)
            ]
        return tuple(rows)

    def rows(self) -> list[dict]:
        """Per original count: mean deviation, variance, probability of publishing the count
        unchanged (`ptable`'s empResults)."""
        out = []
        for i in range(self.ncat + 1):
            row = [r for r in self.table if r.i == i]
            out.append(
                {
                    "i": i,
                    "mean": sum(r.v * r.p for r in row),
                    "variance": sum(r.v**2 * r.p for r in row),
                    "p_sum": sum(r.p for r in row),
                    "p_stay": sum(r.p for r in row if r.v == 0),
                }
            )
        return out

    def lookup(self, count: int, cell_key: float) -> int:
        """The published value of a count with this cell key (the reference lookup)."""
        if count <= 0:
            return 0
        i = min(count, self.ncat)
        for r in self.table:
            if r.i == i and r.lower <= cell_key < r.upper:
                return count + r.v
        raise ValueError(f"cell key {cell_key} outside [0, 1)")

    def risk(self) -> dict:
        """Risk and utility figures of the table, for choosing D and V.

        - p_stay: probability that a large count is published unchanged;
        - exact_difference: probability that the difference of two published cells whose
          records differ (independent keys) equals the true difference — the differencing
          attack's success rate, Σ p(v)²;
        - mean_abs_deviation: expected |v| of a large count;
        - small_origin_given_js1: for a published js + 1 (a 3), the probability that the true
          count was 1 … js (under a flat prior over 1 … ncat): how much a published small
          value still says about a small true value."""
        big = [r for r in self.table if r.i == self.ncat]
        target = self.js + 1
        inflow = {
            i: sum(r.p for r in self.table if r.i == i and r.j == target)
            for i in range(1, self.ncat + 1)
        }
        total = sum(inflow.values())
        return {
            "p_stay": sum(r.p for r in big if r.v == 0),
            "exact_difference": sum(r.p**2 for r in big),
            "mean_abs_deviation": sum(abs(r.v) * r.p for r in big),
            "small_origin_given_js1": sum(inflow[i] for i in range(1, self.js + 1)) / total
            if total
            else 0.0,
        }

    # --- reference file ----------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return REFERENCE / f"ptable_{self.label}.csv"

    def write(self, path: Path | None = None) -> Path:
        """Write the computed table (the reference file when no path is given)."""
        path = path or self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["D", "V", "js", "i", "j", "v", "p", "lower", "upper"])
            for r in self.computed:
                writer.writerow(
                    [
                        self.D,
                        f"{self.V:g}",
                        self.js,
                        r.i,
                        r.j,
                        r.v,
                        f"{r.p:.8f}",
                        f"{r.lower:.8f}",
                        f"{r.upper:.8f}",
                    ]
                )
        return path


def read_ptable(path: Path) -> list[PtableRow]:
    with open(path, encoding="utf-8") as fh:
        return [
            PtableRow(
                int(r["i"]),
                int(r["j"]),
                int(r["v"]),
                float(r["p"]),
                float(r["lower"]),
                float(r["upper"]),
            )
            for r in csv.DictReader(fh)
        ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--D", type=int, default=3)
    ap.add_argument("--V", type=float, default=2.0)
    ap.add_argument("--js", type=int, default=2)
    ap.add_argument("--compare", action="store_true", help="print risk and utility for V = 1 … 2")
    args = ap.parse_args(argv)
    if args.compare:
        print("V     p_stay  exact_diff  mean|v|  P(true<=js | published js+1)")
        for V in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0):
            r = Ptable(args.D, V, args.js).risk()
            print(
                f"{V:<5} {r['p_stay']:.3f}   {r['exact_difference']:.3f}       "
                f"{r['mean_abs_deviation']:.3f}    {r['small_origin_given_js1']:.3f}"
            )
        return 0
    table = Ptable(args.D, args.V, args.js)
    print(table.write())
    for row in table.rows():
        print({k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
