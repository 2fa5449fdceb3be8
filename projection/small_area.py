"""Districts and communes: Hamilton–Perry cohort-change ratios, shrunk toward the parent area
where the area is small, and raked to the level above.

**Cohort-change ratios in one-year steps.** Hamilton and Perry (1962; Swanson, Schlottmann and
Schmidt 2010; Baker et al. 2017) project a five-year age group from the group five years younger
five years earlier. The register gives stocks one year apart, so a group's cohort one year
earlier is 4/5 of the same group and 1/5 of the group below (single years spread evenly within a
group): base(g) = 0.8·P(g) + 0.2·P(g−1); for the open group 80+ base = P(80+) + 0.2·P(75-79);
for 0-4, whose newcomers are the year's births, base = P(0-4) (births of the year ≈ one fifth of
0-4, the child-woman logic of Hamilton–Perry's youngest group). The ratio P_next(g) / base(g)
carries survival, migration and, for 0-4, fertility, pooled over the base years.

**Shrinkage.** A commune of a few hundred people has cells of a handful of persons; its ratios
are mostly noise. Each ratio is shrunk toward its parent's by empirical Bayes (Fay and Herriot
1979; the same logic as small-area estimation at the US Census Bureau and ONS): the deviation
d = log R(area) − log R(parent) is modelled as a true deviation of variance τ² plus sampling
noise of variance κ / base (+ λ / base², the variance the published tables' perturbation adds).
τ² and κ are estimated from all the level's cells at once by moments (non-negative least
squares of d² on 1 and 1 / base); the weight of the area's own ratio is τ² / (τ² + noise):
a large cell keeps its own ratio, a small one takes its parent's.

**Totals** have their own, stronger signal: an area's growth relative to its parent,
r = Δlog N(area) − Δlog N(parent) per year, estimated from the published totals (one cell,
little perturbation noise). Its sampling variance is φ · flows / N² (the year's births, deaths,
in- and out-migrants are the random events that move a total; φ ≥ 1 their over-dispersion, as
households move together), + the perturbation's. τ² and φ are estimated across communes by
moments, districts use the communes' φ; the projected relative growth is w·r with the same
weight form.

**Raking.** Each year the communes' cells are raked (iterative proportional fitting, Deming and
Stephan 1940) to two margins: the communes' projected totals and their district's projected
cells by sex and age group; districts likewise to their totals and the province's cohort-
component cells. The last pass fits the parent's cells exactly, so communes add up to their
district and districts to the province in every sex and age group, and so in every total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from projection.inputs import N_GROUPS

LOG_OFFSET = 0.5  # continuity correction of logs of counts (empty cells, zero totals)


def cohort_base(cells: np.ndarray) -> np.ndarray:
    """(…, 17) five-year groups on 1 January of t → the same cohorts' groups one year on, before
    change: what P(g) on 1 January of t+1 is compared with."""
    base = np.empty_like(cells)
    base[..., 0] = cells[..., 0]
    base[..., 1:] = 0.8 * cells[..., 1:] + 0.2 * cells[..., :-1]
    base[..., -1] = cells[..., -1] + 0.2 * cells[..., -2]
    return base


@dataclass(frozen=True)
class Shrinkage:
    """Empirical-Bayes parameters of one level: true deviation variance and noise model."""

    tau2: float  # variance of the true deviations from the parent
    noise: float  # κ (cells: noise per 1 / base) or φ (totals: dispersion of the flows)
    perturbation: float  # λ: the perturbation's variance term (known, not fitted)
    n: int  # cells or areas the fit used


def fit_shrinkage(
    deviation: np.ndarray,
    unit_variance: np.ndarray,
    known_variance: np.ndarray,
    noise_floor: float = 0.0,
) -> tuple[float, float]:
    """Method-of-moments fit of E[d²] = τ² + noise·unit_variance + known_variance over the
    usable points (finite, unit_variance > 0): non-negative least squares, weighted by the
    inverse square of each point's expected d² (the variance of d² is proportional to it; a
    few iterations, starting unweighted), the noise factor held at `noise_floor` or above.
    Returns (τ², noise); with fewer than 3 usable points (0, 1): everything is noise of the
    Poisson kind."""
    use = np.isfinite(deviation) & np.isfinite(unit_variance) & (unit_variance > 0)
    if use.sum() < 3:
        return 0.0, max(noise_floor, 1.0)
    known = np.where(np.isfinite(known_variance[use]), known_variance[use], 0.0)
    target = deviation[use] ** 2 - known
    design = np.column_stack([np.ones(use.sum()), unit_variance[use]])
    weight = np.ones(use.sum())
    tau2 = noise = 0.0
    for _ in range(6):
        root = np.sqrt(weight)
        (tau2, noise), _ = nnls(design * root[:, None], target * root)
        expected = tau2 + noise * unit_variance[use] + known
        if not (expected > 0).all():
            break
        weight = 1.0 / expected**2
        weight = weight / weight.mean()
    if tau2 == 0.0 and noise == 0.0:  # nothing moves at all: no evidence, Poisson noise
        noise = 1.0
    if noise < noise_floor:
        noise = noise_floor
        tau2 = max(0.0, float(np.mean(target - noise * unit_variance[use])))
    return float(tau2), float(noise)


def standardised(deviation: np.ndarray, expected_variance: np.ndarray) -> np.ndarray:
    """The deviations over their expected standard deviation, centred and scaled to variance 1:
    the empirical shape of the noise (household moves make it heavier-tailed than a normal),
    which the simulation resamples."""
    use = np.isfinite(deviation) & (expected_variance > 0) & np.isfinite(expected_variance)
    z = deviation[use] / np.sqrt(expected_variance[use])
    if z.size < 3 or not np.isfinite(z).all() or z.std() == 0:
        return np.array([-1.0, 1.0])
    z = z - z.mean()
    return z / z.std()


def shrink_weight(tau2: float, noise_variance: np.ndarray) -> np.ndarray:
    """Weight of an area's own estimate: τ² / (τ² + its noise variance); 0 where the noise is
    infinite (no base) or τ² is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(np.isfinite(noise_variance), tau2 / (tau2 + noise_variance), 0.0)
    return np.nan_to_num(w, nan=0.0)


def rake(
    cells: np.ndarray,
    row_totals: np.ndarray,
    parent_cells: np.ndarray,
    parent_of: np.ndarray,
    iterations: int = 100,
    tolerance: float = 1e-7,
) -> np.ndarray:
    """Iterative proportional fitting of child areas' cells (…, C, K) to their totals (…, C) and
    their parent's cells (…, P, K) (`parent_of`: (C,) index of each child's parent). Ends with the
    column pass, so the children add up to the parent's cells exactly; each total holds to
    `tolerance` (relative) when the margins are consistent. Empty cells get a negligible seed
    (in proportion to the child's total) so that a parent's cell no child has yet can still be
    allocated."""
    n_parents = parent_cells.shape[-2]
    membership = np.zeros((len(parent_of), n_parents))
    membership[np.arange(len(parent_of)), parent_of] = 1.0
    seed = 1e-9 * np.maximum(row_totals, 1.0)[..., None] / cells.shape[-1]
    x = np.maximum(cells, 0.0) + seed
    scale = np.maximum(np.abs(row_totals), 1.0)
    for _ in range(iterations):
        sums = x.sum(axis=-1)
        x = x * np.divide(row_totals, sums, out=np.zeros_like(sums), where=sums > 0)[..., None]
        # children's cells summed per parent: (…, K, C) @ (C, P), a matrix product
        col = np.matmul(np.swapaxes(x, -1, -2), membership).swapaxes(-1, -2)
        factor = np.divide(parent_cells, col, out=np.zeros_like(col), where=col > 0)
        x = x * factor[..., parent_of, :]
        if (np.abs(x.sum(axis=-1) - row_totals) / scale).max(initial=0.0) <= tolerance:
            break
    return x


def scale_to_parent(
    values: np.ndarray, parent_totals: np.ndarray, parent_of: np.ndarray
) -> np.ndarray:
    """Children's values (…, C) scaled so that each parent's children add up to its total
    (…, P); a parent whose children are all zero shares its total evenly."""
    n_parents = parent_totals.shape[-1]
    membership = np.zeros((len(parent_of), n_parents))
    membership[np.arange(len(parent_of)), parent_of] = 1.0
    sums = values @ membership
    count = membership.sum(axis=0)
    even = (parent_totals / np.maximum(count, 1.0))[..., parent_of]
    factor = np.divide(parent_totals, sums, out=np.zeros_like(sums), where=sums > 0)
    return np.where(sums[..., parent_of] > 0, values * factor[..., parent_of], even)


def log_ratio(numerator: np.ndarray, base: np.ndarray) -> np.ndarray:
    return np.log((numerator + LOG_OFFSET) / (base + LOG_OFFSET))


N_CELLS = 2 * N_GROUPS
