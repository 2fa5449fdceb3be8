"""The projection: fit on the latest years, project year by year, simulate the intervals, and
backtest the same method from earlier stocks. Dagster-free; `project` is the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from projection import cohort
from projection.cohort import ProvinceRates, cohort_component_step, draw_rates, to_groups
from projection.inputs import AGE_GROUPS, LEVELS, N_GROUPS, SEXES, ProjectionInputs
from projection.small_area import (
    cohort_base,
    fit_shrinkage,
    log_ratio,
    rake,
    scale_to_parent,
    shrink_weight,
    standardised,
)

TOTAL = "Tổng"  # the total over sexes or age groups, as the marts write it
SEX_LABELS = (*SEXES, TOTAL)
AGE_LABELS = (*AGE_GROUPS, TOTAL)
# broad age groups published beside the five-year groups (UN DESA's dependency groups), each
# with the interval of its own sum of the simulations (intervals do not add)
BROAD_GROUPS = {"0-14": (0, 3), "15-64": (3, 13), "65+": (13, 17)}
METHOD = (
    "cohort-component (province, single years of age) + Hamilton-Perry cohort-change ratios "
    "shrunk toward the parent area and raked (districts, communes)"
)
METHOD_VI = (
    "Dự báo / projection: phương pháp thành phần theo đoàn hệ (tỉnh) và tỷ số thay đổi đoàn hệ "
    "Hamilton-Perry (huyện cũ, xã), điều chỉnh theo tổng tỉnh"
)
INTERVAL_KIND = "simulated"
INTERVAL_KIND_NOTE = (
    "80 % intervals simulated from the sampling variation of the rates and ratios (Gamma and "
    "normal posteriors of the counts behind them) and the random variation of the year's births, "
    "deaths and moves (over-dispersed as estimated from the communes), raked like the point "
    "projection; not empirical: the register holds too few years for enough backtests of its "
    "own. The backtest checks their coverage."
)


@dataclass(frozen=True)
class Settings:
    """How the projection is made. `cell_noise_variance` is the variance of the noise the input
    tables carry (the cell-key perturbation table's variance V; 0 for exact tables): it enters
    the sampling variances of the ratios and growth rates, so shrinkage is not fooled by it."""

    horizon: date = date(2031, 1, 1)
    rate_years: int = 3  # latest complete years pooled for the rates
    draws: int = 400
    backtest_draws: int = 300
    seed: int = 2031
    cell_noise_variance: float = 0.0
    interval: float = 0.8


@dataclass(frozen=True)
class Model:
    """Everything fitted at the base date."""

    base_date: date
    years: tuple[int, ...]
    rates: ProvinceRates
    districts: np.ndarray  # area indices
    communes: np.ndarray
    commune_parent: np.ndarray  # position of each commune's district in `districts`
    alpha: np.ndarray  # (A,) shrunk yearly log growth relative to the parent
    alpha_var: np.ndarray  # (A,) its posterior variance
    annual_flows: np.ndarray  # (A,) births + deaths + in- + out-migrants per year
    dispersion: float  # φ of the flows
    total_noise_shape: np.ndarray  # standardised deviations of the communes' growth (resampled)
    log_ratio: np.ndarray  # (A, 2, 17) shrunk cohort-change ratios (logs)
    log_ratio_var: np.ndarray  # (A, 2, 17) their posterior variance
    cell_noise: np.ndarray  # (A,) κ of the area's level (process variance per base person)
    cell_noise_variance: float  # V: the noise the input tables were published with
    shrinkage: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectionResult:
    """What `project` returns. `status` is 'ok' or says why there is no projection (then
    `message` explains it in Vietnamese and English and the frames are empty)."""

    status: str
    message: str
    projection: pl.DataFrame
    backtest: pl.DataFrame
    metadata: pl.DataFrame
    inputs: ProjectionInputs | None = None
    model: Model | None = None
    arrays: dict[str, np.ndarray] | None = None  # point/lower/upper: (H, A, 3, 18)
    ref_dates: tuple[date, ...] = ()


# --------------------------------------------------------------------------------- fitting
def rate_years_for(inputs: ProjectionInputs, base: date, rate_years: int) -> list[int]:
    """The latest complete years ending at `base`, consecutive, at most `rate_years`."""
    complete = set(inputs.complete_years)
    years: list[int] = []
    y = base.year - 1
    while y in complete and len(years) < rate_years:
        years.insert(0, y)
        y -= 1
    return years


def default_base(inputs: ProjectionInputs) -> date | None:
    """The latest 1 January stock that ends a complete year."""
    ends = [date(y + 1, 1, 1) for y in inputs.complete_years]
    return max(ends) if ends else None


def fit(inputs: ProjectionInputs, base: date, settings: Settings) -> Model:
    """Everything the projection holds constant from `base` on: the province's rates, each
    area's shrunk growth relative to its parent, the shrunk cohort-change ratios, and the noise
    parameters the simulations use (small_area.py's docstring gives the model)."""
    years = rate_years_for(inputs, base, settings.rate_years)
    k = len(years)
    start = date(years[0], 1, 1)
    v = settings.cell_noise_variance
    districts = inputs.index_of_level("district")
    communes = inputs.index_of_level("commune")
    position = np.full(len(inputs.area_code), -1)
    position[districts] = np.arange(len(districts))
    commune_parent = position[inputs.parent[communes]]
    commune_parent = np.where(commune_parent >= 0, commune_parent, 0)
    parent = np.where(inputs.parent >= 0, inputs.parent, 0)

    rates = cohort.estimate_rates(inputs, years)

    # --- totals: growth relative to the parent, shrunk
    n_end, n_start = inputs.totals[base], inputs.totals[start]
    growth = (np.log(n_end + 0.5) - np.log(n_start + 0.5)) / k
    relative = growth - growth[parent]
    flows = sum(inputs.area_flows[y] for y in years)
    mean_n = (n_end + n_start) / 2.0 + 0.5
    unit = flows / (k**2 * mean_n**2)
    known = 2.0 * v / (k**2 * mean_n**2)
    # births and deaths are independent events that no other flow compensates: the flows'
    # dispersion is at least their share of the flows (moves in and out can offset each other,
    # a commune's vital events cannot), which keeps a one-year fit from putting all the
    # variation into τ² and none into the next year's events
    vital = sum(inputs.area_vital[y] for y in years)
    vital_share = float(vital[communes].sum() / max(flows[communes].sum(), 1.0))
    tau2_c, phi = fit_shrinkage(
        relative[communes], unit[communes], known[communes], noise_floor=vital_share
    )
    tau2_d = max(
        0.0, float(np.mean(relative[districts] ** 2 - phi * unit[districts] - known[districts]))
    )
    noise = phi * unit + known
    weight = np.zeros_like(relative)
    weight[communes] = shrink_weight(tau2_c, noise[communes])
    weight[districts] = shrink_weight(tau2_d, noise[districts])
    alpha = weight * relative
    alpha_var = weight * noise
    shape = standardised(relative[communes], tau2_c + noise[communes])

    # --- cells: cohort-change ratios, shrunk toward the parent's
    numerator = sum(inputs.cells[date(y + 1, 1, 1)] for y in years)
    base_cells = sum(cohort_base(inputs.cells[date(y, 1, 1)]) for y in years)
    raw = log_ratio(numerator, base_cells)
    deviation = raw - raw[parent]
    usable = base_cells >= 1.0
    # the perturbation's variance of log R ≈ (k cells of the numerator + k bases of
    # 0.8² + 0.2² ≈ 0.7 cells each) · V / base²
    with np.errstate(divide="ignore"):
        unit_c = np.where(usable, 1.0 / np.maximum(base_cells, 1e-12), np.inf)
        known_c = np.where(usable, 1.7 * k * v / np.maximum(base_cells, 1e-12) ** 2, np.inf)
    shrunk = raw.copy()
    ratio_var = np.zeros_like(raw)
    cell_noise = np.zeros(len(inputs.area_code))
    params = {}
    for level, idx in (("district", districts), ("commune", communes)):
        ok = usable[idx]
        tau2, kappa = fit_shrinkage(
            np.where(ok, deviation[idx], np.nan).ravel(),
            np.where(ok, unit_c[idx], np.nan).ravel(),
            np.where(ok, known_c[idx], 0.0).ravel(),
        )
        with np.errstate(invalid="ignore"):  # 0 · inf where a cell has no base
            noise_c = np.where(np.isfinite(unit_c[idx]), kappa * unit_c[idx] + known_c[idx], np.inf)
        w = shrink_weight(tau2, noise_c)
        anchor = shrunk[parent[idx]]  # districts: the province's ratios; communes: shrunk district
        shrunk[idx] = anchor + w * deviation[idx]
        with np.errstate(invalid="ignore"):
            ratio_var[idx] = np.where(ok, w * noise_c, 0.0)
        cell_noise[idx] = kappa
        params[f"{level}_cells_tau2"] = tau2
        params[f"{level}_cells_kappa"] = kappa
    params.update(
        commune_totals_tau2=tau2_c,
        district_totals_tau2=tau2_d,
        flows_dispersion_phi=phi,
        flows_dispersion_floor=vital_share,
        commune_totals_mean_weight=float(weight[communes].mean()),
    )
    return Model(
        base_date=base,
        years=tuple(years),
        rates=rates,
        districts=districts,
        communes=communes,
        commune_parent=commune_parent,
        alpha=alpha,
        alpha_var=alpha_var,
        annual_flows=flows / k,
        dispersion=phi,
        total_noise_shape=shape,
        log_ratio=shrunk,
        log_ratio_var=ratio_var,
        cell_noise=cell_noise,
        cell_noise_variance=v,
        shrinkage=params,
    )


# ------------------------------------------------------------------------------ simulation
def simulate(
    inputs: ProjectionInputs,
    model: Model,
    steps: int,
    draws: int = 1,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Project `steps` years from the base: (steps, draws, A, 2, 17) cells of every area. Without
    `rng` the deterministic projection (draws = 1); with it, `draws` simulated futures carrying
    the rates' sampling variation and the years' random events."""
    base = model.base_date
    n_areas = len(inputs.area_code)
    d_idx, c_idx = model.districts, model.communes
    pop = np.broadcast_to(cohort.single_age_stock(inputs, base), (draws, 2, cohort.N_AGES)).copy()
    rates = model.rates
    if rng is None:
        r = {
            "fertility": rates.fertility,
            "mortality": rates.mortality,
            "out_rate": rates.out_rate,
            "in_migrants": rates.in_migrants,
            "male_birth_share": np.asarray(rates.male_birth_share),
        }
        alpha = np.broadcast_to(model.alpha, (draws, n_areas))
        lr = np.broadcast_to(model.log_ratio, (draws, *model.log_ratio.shape))
    else:
        r = draw_rates(rates, draws, rng)
        alpha = model.alpha + np.sqrt(model.alpha_var) * rng.standard_normal((draws, n_areas))
        lr = model.log_ratio + np.sqrt(model.log_ratio_var) * rng.standard_normal(
            (draws, *model.log_ratio.shape)
        )
    totals = np.broadcast_to(inputs.totals[base], (draws, n_areas)).copy()
    cells = np.broadcast_to(inputs.cells[base], (draws, n_areas, 2, N_GROUPS)).copy()
    if rng is not None and model.cell_noise_variance > 0:
        # the base stocks are published with noise of this variance: each draw starts from a
        # base within it, so the intervals carry the base's uncertainty too
        sd = np.sqrt(model.cell_noise_variance)
        totals = np.maximum(totals + sd * rng.standard_normal(totals.shape), 0.0)
        cells = np.maximum(cells + sd * rng.standard_normal(cells.shape), 0.0)
    out = np.zeros((steps, draws, n_areas, 2, N_GROUPS))
    zeros_parent = np.zeros(len(d_idx), dtype=int)

    def grow(idx: np.ndarray) -> np.ndarray:
        g = alpha[:, idx]
        if rng is not None:  # the year's random events move the total
            sd = np.sqrt(model.dispersion * model.annual_flows[idx]) / np.maximum(
                totals[:, idx], 1.0
            )
            g = g + sd * rng.choice(model.total_noise_shape, size=g.shape)
        return totals[:, idx] * np.exp(g)

    def next_cells(idx: np.ndarray) -> np.ndarray:
        base_c = cohort_base(cells[:, idx])
        mean = np.exp(lr[:, idx]) * base_c
        if rng is not None:  # cell-level process variation, κ per base person
            sd = np.sqrt(model.cell_noise[idx][None, :, None, None] * np.maximum(mean, 0.0))
            mean = np.maximum(mean + sd * rng.standard_normal(mean.shape), 0.0)
        return mean.reshape(draws, len(idx), 2 * N_GROUPS)

    for step in range(steps):
        pop, _ = cohort_component_step(
            pop,
            r["mortality"],
            r["out_rate"],
            r["in_migrants"],
            r["fertility"],
            r["male_birth_share"],
            rng=rng,
            # the province's events are at least as variable as independent (Poisson) ones
            dispersion=max(model.dispersion, 1.0),
        )
        province = to_groups(pop).reshape(draws, 1, 2 * N_GROUPS)
        district_totals = scale_to_parent(grow(d_idx), province.sum(axis=-1), zeros_parent)
        district = rake(next_cells(d_idx), district_totals, province, zeros_parent)
        commune_totals = scale_to_parent(grow(c_idx), district.sum(axis=-1), model.commune_parent)
        commune = rake(next_cells(c_idx), commune_totals, district, model.commune_parent)
        cells[:, 0] = province.reshape(draws, 2, N_GROUPS)
        cells[:, d_idx] = district.reshape(draws, len(d_idx), 2, N_GROUPS)
        cells[:, c_idx] = commune.reshape(draws, len(c_idx), 2, N_GROUPS)
        totals = cells.sum(axis=(2, 3))
        out[step] = cells
    return out


def with_totals(cells: np.ndarray) -> np.ndarray:
    """(…, 2, 17) → (…, 3, 18): 'Tổng' over sexes (index 2) and over age groups (index 17)."""
    by_sex = np.concatenate([cells, cells.sum(axis=-2, keepdims=True)], axis=-2)
    return np.concatenate([by_sex, by_sex.sum(axis=-1, keepdims=True)], axis=-1)


# --------------------------------------------------------------------------------- outputs
PROJECTION_SCHEMA = {
    "ref_date": pl.Date,
    "area_level": pl.String,
    "area_code": pl.String,
    "area_name": pl.String,
    "parent_code": pl.String,
    "sex": pl.String,
    "age_group": pl.String,
    "projected_population": pl.Float64,
    "lower_80": pl.Float64,
    "upper_80": pl.Float64,
    "base_date": pl.Date,
    "horizon_years": pl.Int64,
    "method": pl.String,
    "interval_kind": pl.String,
}

BACKTEST_SCHEMA = {
    "base_date": pl.Date,
    "target_date": pl.Date,
    "horizon_years": pl.Int64,
    "rate_years": pl.Int64,
    "area_level": pl.String,
    "measure": pl.String,
    "measure_label": pl.String,
    "n_areas": pl.Int64,
    "mape_projection": pl.Float64,
    "mape_naive": pl.Float64,
    "mean_pe_projection": pl.Float64,
    "coverage_80": pl.Float64,
    "method_beats_naive": pl.Boolean,
    "method": pl.String,
    "interval_kind": pl.String,
}


def _frame_of(
    inputs: ProjectionInputs,
    ref_dates: list[date],
    arrays: dict[str, np.ndarray],
    base: date,
) -> pl.DataFrame:
    """(H, A, 3, 18) arrays, and the (H, A, 3, 3) broad age groups → the long
    population_projection frame (no row loops: the index columns are the arrays' flattened
    coordinates)."""
    labels = np.array([*AGE_LABELS, *BROAD_GROUPS])
    point = np.concatenate([arrays["point"], arrays["broad_point"]], axis=-1)
    lower = np.concatenate([arrays["lower"], arrays["broad_lower"]], axis=-1)
    upper = np.concatenate([arrays["upper"], arrays["broad_upper"]], axis=-1)
    h, a, s, g = np.indices(point.shape).reshape(4, -1)
    parent_code = pl.Series(inputs.area_code[np.maximum(inputs.parent, 0)]).set(
        pl.Series(inputs.parent < 0), None
    )
    level_rank = np.select([inputs.area_level == lv for lv in LEVELS], range(len(LEVELS)))
    frame = pl.DataFrame(
        {
            "ref_date": pl.Series(np.array(ref_dates, dtype="datetime64[D]")[h]).cast(pl.Date),
            "area_level": inputs.area_level[a],
            "area_code": inputs.area_code[a],
            "area_name": inputs.area_name[a],
            "parent_code": parent_code.gather(a),
            "sex": np.array(SEX_LABELS)[s],
            "age_group": labels[g],
            "projected_population": point.ravel(),
            "lower_80": lower.ravel(),
            "upper_80": upper.ravel(),
            "_order": (level_rank[a] * 1_000_000 + a * 1000 + s * 100 + g) + h * 10**9,
        }
    )
    return (
        frame.sort("_order")
        .drop("_order")
        .with_columns(
            base_date=pl.lit(base, pl.Date),
            horizon_years=(pl.col("ref_date").dt.year() - base.year).cast(pl.Int64),
            method=pl.lit(METHOD),
            interval_kind=pl.lit(INTERVAL_KIND),
        )
        .select(list(PROJECTION_SCHEMA))
    )


def _metadata(items: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(
        {"item": list(items), "value": ["" if v is None else str(v) for v in items.values()]},
        schema={"item": pl.String, "value": pl.String},
    )


def _empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def insufficient_message(inputs: ProjectionInputs) -> str:
    if inputs.ref_dates:
        first, last = min(inputs.ref_dates), max(inputs.ref_dates)
        months = (last.year - first.year) * 12 + last.month - first.month
        covered = f"{first.isoformat()} – {last.isoformat()}, {months} tháng / months"
    else:
        covered = "không có số liệu / no stocks"
    return (
        "Chưa lập được dự báo dân số: cần ít nhất một năm dương lịch trọn vẹn của biến động dân "
        f"cư giữa hai thời điểm 1/1 (số liệu hiện có: {covered}). / No population projection: "
        "the projection needs at least one full calendar year of population events between two "
        f"1 January stocks; this landing covers {covered}. It will be made once a full year is "
        "loaded."
    )


# --------------------------------------------------------------------------------- project
def _project_arrays(
    inputs: ProjectionInputs, base: date, horizon: date, settings: Settings, draws: int
) -> tuple[Model, list[date], dict[str, np.ndarray]]:
    model = fit(inputs, base, settings)
    steps = horizon.year - base.year
    ref_dates = [date(base.year + i, 1, 1) for i in range(1, steps + 1)]
    point = with_totals(simulate(inputs, model, steps)[:, 0])
    rng = np.random.default_rng(settings.seed)
    sims = with_totals(simulate(inputs, model, steps, draws=draws, rng=rng))
    if settings.cell_noise_variance > 0:
        # the stock each row will be compared with is published with the same noise, row by row
        sims = sims + np.sqrt(settings.cell_noise_variance) * rng.standard_normal(sims.shape)
    lower, upper = _interval(point, sims, settings.interval)
    broad_point = _broad(point)
    broad_lower, broad_upper = _interval(broad_point, _broad(sims), settings.interval)
    return (
        model,
        ref_dates,
        {
            "point": point,
            "lower": lower,
            "upper": upper,
            "broad_point": broad_point,
            "broad_lower": broad_lower,
            "broad_upper": broad_upper,
        },
    )


def _broad(cells: np.ndarray) -> np.ndarray:
    """(…, 18) → (…, 3): the broad age groups, summed from the five-year groups."""
    return np.stack([cells[..., a:b].sum(axis=-1) for a, b in BROAD_GROUPS.values()], axis=-1)


def _interval(point: np.ndarray, sims: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The interval of `level` from the simulations (draws on axis 1), centred on the point
    projection (the simulations' median differs from it by the nonlinearity of the noise only),
    never below zero."""
    tail = (1.0 - level) / 2.0
    low, mid, high = np.quantile(sims, [tail, 0.5, 1.0 - tail], axis=1)
    return np.clip(point + (low - mid), 0.0, point), np.maximum(point + (high - mid), point)


def project_inputs(
    inputs: ProjectionInputs,
    base_date: date | None = None,
    settings: Settings | None = None,
    with_backtest: bool = True,
) -> ProjectionResult:
    """The projection from loaded inputs (see `project`), which reads their projection_view()
    only."""
    settings = settings or Settings()
    inputs = inputs.projection_view()
    common = {
        "label": "Dự báo / projection",
        "method": METHOD,
        "method_vi": METHOD_VI,
        "interval_kind": INTERVAL_KIND,
        "interval_note": INTERVAL_KIND_NOTE,
        "interval_level": settings.interval,
        "inputs_schema": inputs.schema,
        "input_cells_missing": inputs.missing_cells,
        "cell_noise_variance": settings.cell_noise_variance,
        "horizon": settings.horizon.isoformat(),
    }
    base = base_date or default_base(inputs)
    years = rate_years_for(inputs, base, settings.rate_years) if base else []
    if base is None or not years or base not in inputs.stock_dates:
        message = (
            insufficient_message(inputs)
            if base_date is None
            else (
                f"Không lập được dự báo từ ngày gốc {base_date.isoformat()}: không có số liệu 1/1 "
                "kết thúc một năm trọn vẹn. / No projection from base date "
                f"{base_date.isoformat()}: it is not a 1 January stock ending a complete year "
                f"of events (stocks: {', '.join(d.isoformat() for d in inputs.stock_dates)})."
            )
        )
        status = "insufficient_data" if base_date is None else "invalid_base_date"
        return ProjectionResult(
            status=status,
            message=message,
            projection=_empty(PROJECTION_SCHEMA),
            backtest=_empty(BACKTEST_SCHEMA),
            metadata=_metadata({"status": status, "message": message, **common}),
            inputs=inputs,
        )
    if settings.horizon <= base:
        message = (
            f"Ngày gốc {base.isoformat()} không trước mốc dự báo {settings.horizon.isoformat()}. "
            f"/ The base date {base.isoformat()} is not before the horizon "
            f"{settings.horizon.isoformat()}: nothing to project."
        )
        return ProjectionResult(
            status="nothing_to_project",
            message=message,
            projection=_empty(PROJECTION_SCHEMA),
            backtest=_empty(BACKTEST_SCHEMA),
            metadata=_metadata({"status": "nothing_to_project", "message": message, **common}),
            inputs=inputs,
        )

    model, ref_dates, arrays = _project_arrays(
        inputs, base, settings.horizon, settings, settings.draws
    )
    frame = _frame_of(inputs, ref_dates, arrays, base)
    backtest_frame = backtest_inputs(inputs, settings) if with_backtest else None
    e0 = model.rates.life_expectancy()
    items = {
        "status": "ok",
        "message": "",
        **common,
        "base_date": base.isoformat(),
        "rate_years": ", ".join(str(y) for y in model.years),
        "rate_rule": (
            "rates of the latest complete years (at most "
            f"{settings.rate_years}) pooled and held constant"
        ),
        "draws": settings.draws,
        "seed": settings.seed,
        "total_fertility_rate": round(model.rates.total_fertility, 3),
        "life_expectancy_male": round(float(e0[0]), 2),
        "life_expectancy_female": round(float(e0[1]), 2),
        "male_birth_share": round(model.rates.male_birth_share, 4),
        "in_migrants_per_year": round(float(model.rates.in_by_group.sum()), 1),
        **{k: round(v, 8) for k, v in model.shrinkage.items()},
        "backtests": 0 if backtest_frame is None else backtest_frame["base_date"].n_unique(),
    }
    return ProjectionResult(
        status="ok",
        message="",
        projection=frame,
        backtest=backtest_frame if backtest_frame is not None else _empty(BACKTEST_SCHEMA),
        metadata=_metadata(items),
        inputs=inputs,
        model=model,
        arrays=arrays,
        ref_dates=tuple(ref_dates),
    )


# -------------------------------------------------------------------------------- backtest
MEASURES = (
    ("province", "total", "Tổng dân số tỉnh / province total"),
    ("district", "total", "Tổng dân số huyện cũ / former-district totals"),
    ("commune", "total", "Tổng dân số xã / commune totals"),
    ("province", "age_group", "Nhóm tuổi, tỉnh / province age groups"),
    ("province", "age_sex", "Nhóm tuổi theo giới tính, tỉnh / province age groups by sex"),
    ("district", "age_group", "Nhóm tuổi, huyện cũ / former-district age groups"),
    ("commune", "age_group", "Nhóm tuổi, xã / commune age groups"),
)


def _select(values: np.ndarray, inputs: ProjectionInputs, level: str, measure: str) -> np.ndarray:
    """(A, 3, 18) → the compared units of a level and measure, flattened."""
    idx = inputs.index_of_level(level)
    part = values[idx]
    if measure == "total":
        return part[:, 2, -1]
    if measure == "age_group":
        return part[:, 2, :-1].ravel()
    return part[:, :2, :-1].ravel()  # age_sex


def _observed(inputs: ProjectionInputs, when: date) -> np.ndarray:
    """(A, 3, 18) stocks the register recorded on a date, totals from the published totals."""
    values = with_totals(inputs.cells[when])
    values[:, 2, -1] = inputs.totals[when]
    return values


def naive_extrapolation(inputs: ProjectionInputs, base: date, years: int, steps: int) -> np.ndarray:
    """Linear extrapolation of the change over the same base years as the method:
    P(base + h) = P(base) + h · (P(base) − P(base − years)) / years, never below zero."""
    now = _observed(inputs, base)
    before = _observed(inputs, date(base.year - years, 1, 1))
    return np.maximum(now + steps * (now - before) / years, 0.0)


def score(
    result: ProjectionResult, actual: ProjectionInputs, settings: Settings | None = None
) -> pl.DataFrame:
    """Compare a projection with what a register recorded later (`actual`: the inputs of the
    same or a later landing): per target date, level and measure the MAPE of the projection and
    of the naive linear extrapolation from the same base, the mean percentage error (bias) and
    the share of units inside their 80 % interval. Units whose recorded value is 0 have no
    percentage error and are left out of both MAPEs and of the coverage."""
    settings = settings or Settings()
    inputs, model = result.inputs, result.model
    if result.status != "ok" or inputs is None or model is None or result.arrays is None:
        return _empty(BACKTEST_SCHEMA)
    if not np.array_equal(inputs.area_code, actual.area_code):
        raise ValueError("the projection and the recorded stocks are for different area lists")
    rows = []
    for h, target in enumerate(result.ref_dates, start=1):
        if target not in actual.cells or target not in actual.totals:
            continue
        observed = _observed(actual, target)
        naive = naive_extrapolation(inputs, model.base_date, len(model.years), h)
        for level, measure, label in MEASURES:
            obs = _select(observed, inputs, level, measure)
            proj = _select(result.arrays["point"][h - 1], inputs, level, measure)
            low = _select(result.arrays["lower"][h - 1], inputs, level, measure)
            high = _select(result.arrays["upper"][h - 1], inputs, level, measure)
            nai = _select(naive, inputs, level, measure)
            ok = obs > 0
            if not ok.any():
                continue
            ape = 100.0 * np.abs(proj[ok] - obs[ok]) / obs[ok]
            ape_naive = 100.0 * np.abs(nai[ok] - obs[ok]) / obs[ok]
            rows.append(
                {
                    "base_date": model.base_date,
                    "target_date": target,
                    "horizon_years": h,
                    "rate_years": len(model.years),
                    "area_level": level,
                    "measure": measure,
                    "measure_label": label,
                    "n_areas": int(ok.sum()),
                    "mape_projection": float(ape.mean()),
                    "mape_naive": float(ape_naive.mean()),
                    "mean_pe_projection": float((100.0 * (proj[ok] - obs[ok]) / obs[ok]).mean()),
                    "coverage_80": float(
                        100.0 * np.mean((low[ok] <= obs[ok]) & (obs[ok] <= high[ok]))
                    ),
                    "method_beats_naive": bool(ape.mean() < ape_naive.mean()),
                    "method": METHOD,
                    "interval_kind": INTERVAL_KIND,
                }
            )
    return pl.DataFrame(rows, schema=BACKTEST_SCHEMA) if rows else _empty(BACKTEST_SCHEMA)


def backtest_inputs(inputs: ProjectionInputs, settings: Settings | None = None) -> pl.DataFrame:
    """The method started from every earlier 1 January stock that ends a complete year and has a
    later stock to compare with, using only what the register held then, scored against what it
    recorded afterwards."""
    settings = settings or Settings()
    stocks = inputs.stock_dates
    if not stocks:
        return _empty(BACKTEST_SCHEMA)
    last = max(stocks)
    frames = []
    for origin in stocks:
        if origin >= last:
            continue
        earlier = inputs.until(origin)
        if not rate_years_for(earlier, origin, settings.rate_years):
            continue
        run = Settings(**{**settings.__dict__, "horizon": last, "draws": settings.backtest_draws})
        result = project_inputs(earlier, origin, run, with_backtest=False)
        if result.status == "ok":
            frames.append(score(result, inputs, run))
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else _empty(BACKTEST_SCHEMA)
