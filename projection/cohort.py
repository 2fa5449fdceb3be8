"""Province level: a cohort-component projection by sex and single year of age (UN, Manual III:
Methods for Population Projections by Sex and Age, 1956; the component method as the UN
Population Division and GSO apply it, here in one-year steps with single years of age).

Rates (`estimate_rates`) come from the latest complete calendar years the register holds,
pooled (events of the years over the person-years of the years), and are held constant over
the projection: with one to three years of register data a trend cannot be told from noise, and
Manual III and the UN's short-term practice hold rates constant where no trend is established.

- Fertility: age-specific rates by the mother's five-year group (births / women's person-years),
  births whose mother's age is unknown distributed pro rata; the rate of a group applies to each
  single year of it. Births split by sex with the register's sex ratio at birth.
- Mortality: central death rates by sex from deaths and person-years (mean of the 1 January
  stocks of the year and the next). Below 30 the rates of the abridged groups (0, 1-4, 5-9 …)
  are used as they are; from 30 on a Gompertz curve fitted by Poisson maximum likelihood to the
  groups smooths the few deaths a year each single age has and carries the rates to 100+.
- Migration: out-migration as age- and sex-specific rates (out-migrants / person-years), so it can
  never take more people than there are; in-migration as numbers per year by sex and five-year
  group, spread over the group's single ages like the base population. Their difference is the
  net migration by age and sex.

One step (`cohort_component_step`) takes the population on 1 January of year t to 1 January of
t+1. The cohort aged x on 1 January lives the year between exact ages x and x+2, on average
through ages x and x+1: it is exposed for half the year to the rates of age x and half to those
of age x+1, so it survives and stays with probability exp(-(h(x) + h(x+1)) / 2), where h is the
sum of the death and out-migration rates (competing risks). The open group 100+ is exposed to the
rates of 100+. In-migrants counted at age x on the move (mid-year on average) are half still x
and half x+1 on the next 1 January; they are added at the end of the year (their half year of
exposure to death is a second-order term). Births of the year are the age-specific rates times
the women's person-years at each age, the mean of the women of that age at the start and the end
of the year (Manual III's averaging); newborns survive and stay half a year at the rates of age 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from projection.inputs import (
    N_AGES,
    N_GROUPS,
    ProjectionInputs,
)

GOMPERTZ_FROM = 30  # first age of the fitted Gompertz curve
STANDARD_MALE_BIRTH_SHARE = 105 / 205  # used only when the register records no births at all
FERTILE_AGES = np.arange(15, 50)


def group_of_age() -> np.ndarray:
    """Five-year group (0 … 16, 80+ the last) of each single age 0 … 100."""
    return np.minimum(np.arange(N_AGES) // 5, N_GROUPS - 1)


def to_groups(single: np.ndarray) -> np.ndarray:
    """Sum the last axis (single ages 0 … 100) into the 17 five-year groups."""
    out = np.zeros((*single.shape[:-1], N_GROUPS))
    np.add.at(np.moveaxis(out, -1, 0), group_of_age(), np.moveaxis(single, -1, 0))
    return out


@dataclass(frozen=True)
class ProvinceRates:
    """Rates by sex (0 male, 1 female) and single year of age 0 … 100 (100 = 100+), and the counts
    behind them (their sampling variation gives the simulated intervals)."""

    fertility: np.ndarray  # (101,) births per woman-year at each age
    male_birth_share: float
    mortality: np.ndarray  # (2, 101) deaths per person-year
    out_rate: np.ndarray  # (2, 101) out-migrants per person-year
    in_migrants: np.ndarray  # (2, 101) in-migrants per year
    years: tuple[int, ...]
    births_by_group: np.ndarray  # (7,) births of the years, 'unknown' distributed
    deaths_by_group: np.ndarray  # (2, G)
    death_group_of_age: np.ndarray  # (101,) the deaths' group of each single age
    out_by_group: np.ndarray  # (2, 17)
    in_by_group: np.ndarray  # (2, 17) per year
    in_counts: np.ndarray  # (2, 17) in-migrants of all the years (sampling variation)

    @property
    def total_fertility(self) -> float:
        return float(self.fertility.sum())

    def life_expectancy(self) -> np.ndarray:
        """Life expectancy at birth by sex from the death rates (single-year life table, deaths
        at mid-year of age; the open group lives 1 / m years)."""
        q = 1.0 - np.exp(-self.mortality[:, :-1])
        survivors = np.concatenate(
            [np.ones((2, 1)), np.cumprod(1.0 - q, axis=1)], axis=1
        )  # l(x), x = 0 … 100
        lived = (survivors[:, :-1] + survivors[:, 1:]) / 2.0
        open_years = survivors[:, -1] / np.maximum(self.mortality[:, -1], 1e-9)
        return lived.sum(axis=1) + open_years


def single_age_stock(inputs: ProjectionInputs, when: date) -> np.ndarray:
    """(2, 101) the province by sex and single age on a 1 January, benchmarked to the published
    five-year groups (population_by_age_sex) and total (population_indicators): each is one
    published cell, where a group of single ages sums five (and the total 202) perturbed cells.
    The single ages give the shape within a group, the fewer and larger cells the level."""
    single = inputs.single_age[when]
    groups = inputs.cells[when][0]  # the province's (2, 17)
    summed = to_groups(single)
    factor = np.divide(groups, summed, out=np.ones_like(groups), where=(summed > 0) & (groups > 0))
    stock = single * factor[:, group_of_age()]
    total = stock.sum()
    published = inputs.totals[when][0]
    return stock * (published / total) if total > 0 and published > 0 else stock


def _person_years(inputs: ProjectionInputs, years: list[int]) -> np.ndarray:
    """(2, 101) person-years lived in the years: mean of the 1 January stocks at each age."""
    return sum(
        (single_age_stock(inputs, date(y, 1, 1)) + single_age_stock(inputs, date(y + 1, 1, 1)))
        / 2.0
        for y in years
    )


def _gompertz(deaths: np.ndarray, exposure: np.ndarray, ages: np.ndarray) -> np.ndarray | None:
    """(a, b) of log m = a + b·age by Poisson maximum likelihood (IRLS), or None when the groups
    cannot carry a fit (fewer than 2 groups with exposure, no deaths, or no rise with age)."""
    use = exposure > 0
    if use.sum() < 2 or deaths[use].sum() <= 0:
        return None
    d, e, x = deaths[use], exposure[use], ages[use]
    design = np.column_stack([np.ones_like(x), x])
    beta = np.array([np.log(d.sum() / e.sum()) - 0.08 * x.mean(), 0.08])
    for _ in range(50):
        mu = e * np.exp(design @ beta)
        hessian = design.T @ (design * mu[:, None])
        step = np.linalg.solve(hessian + 1e-12 * np.eye(2), design.T @ (d - mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    if not np.isfinite(beta).all() or beta[1] <= 0:
        return None
    return beta


def estimate_rates(inputs: ProjectionInputs, years: list[int]) -> ProvinceRates:
    """Pooled rates of `years` (complete calendar years) from the province input marts."""
    exposure = _person_years(inputs, years)  # (2, 101)
    group = group_of_age()

    # fertility: births by mother's group (unknown mothers pro rata) over women's person-years
    births = sum(inputs.births_by_mother_age[y] for y in years)
    unknown = sum(inputs.births_mother_unknown.get(y, 0.0) for y in years)
    if births.sum() > 0:
        births = births * (1.0 + unknown / births.sum())
    women = np.array([exposure[1, a : a + 5].sum() for a in range(15, 50, 5)])
    group_rate = np.divide(births, women, out=np.zeros_like(births), where=women > 0)
    fertility = np.zeros(N_AGES)
    fertility[FERTILE_AGES] = np.repeat(group_rate, 5)

    by_sex = sum(inputs.births_by_sex[y] for y in years if y in inputs.births_by_sex)
    total = float(np.sum(by_sex)) if np.ndim(by_sex) else 0.0
    male_share = float(by_sex[0] / total) if total >= 1 else STANDARD_MALE_BIRTH_SHARE

    # mortality: abridged groups' rates, Gompertz from 30
    age_from = inputs.death_age_from
    death_group = np.searchsorted(age_from, np.arange(N_AGES), side="right") - 1
    deaths = sum(inputs.deaths[y] for y in years)  # (2, G)
    group_exposure = np.zeros_like(deaths)
    np.add.at(group_exposure.T, death_group, exposure.T)
    group_rates = np.divide(
        deaths, group_exposure, out=np.zeros_like(deaths), where=group_exposure > 0
    )
    mortality = group_rates[:, death_group].copy()
    mean_age = np.zeros_like(deaths)
    np.add.at(mean_age.T, death_group, (exposure * (np.arange(N_AGES) + 0.5)).T)
    mean_age = np.divide(
        mean_age, group_exposure, out=np.zeros_like(mean_age), where=group_exposure > 0
    )
    adult = age_from >= GOMPERTZ_FROM
    ages = np.arange(N_AGES) + 0.5
    for s in range(2):  # two fits, one per sex
        beta = _gompertz(deaths[s, adult], group_exposure[s, adult], mean_age[s, adult])
        if beta is not None:
            older = ages >= GOMPERTZ_FROM
            mortality[s, older] = np.exp(beta[0] + beta[1] * ages[older])

    # migration: out-migration rates, in-migrant numbers
    out_counts = sum(inputs.out_migrants[y] for y in years)  # (2, 17)
    group_py = to_groups(exposure)
    out_by_group = np.divide(
        out_counts, group_py, out=np.zeros_like(out_counts), where=group_py > 0
    )
    out_rate = out_by_group[:, group]
    in_counts = sum(inputs.in_migrants[y] for y in years)
    in_by_group = in_counts / len(years)
    base = single_age_stock(inputs, date(years[-1] + 1, 1, 1))
    in_migrants = spread_over_ages(in_by_group, base)

    return ProvinceRates(
        fertility=fertility,
        male_birth_share=male_share,
        mortality=mortality,
        out_rate=out_rate,
        in_migrants=in_migrants,
        years=tuple(years),
        births_by_group=births,
        deaths_by_group=deaths,
        death_group_of_age=death_group,
        out_by_group=out_counts,
        in_by_group=in_by_group,
        in_counts=in_counts,
    )


def spread_over_ages(by_group: np.ndarray, population: np.ndarray) -> np.ndarray:
    """(…, 2, 17) numbers by five-year group → (…, 2, 101) single ages, in proportion to the
    population of each age within its group (evenly where the group is empty)."""
    group = group_of_age()
    pop_group = to_groups(population)
    width = np.bincount(group, minlength=N_GROUPS).astype(float)
    share = np.where(
        pop_group[..., group] > 0,
        population / np.where(pop_group[..., group] > 0, pop_group[..., group], 1.0),
        1.0 / width[group],
    )
    return by_group[..., group] * share


def cohort_component_step(
    population: np.ndarray,
    mortality: np.ndarray,
    out_rate: np.ndarray,
    in_migrants: np.ndarray,
    fertility: np.ndarray,
    male_birth_share: float | np.ndarray,
    rng: np.random.Generator | None = None,
    dispersion: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One year: the population on 1 January of t (…, 2 sexes, ages 0 … A, A open) to 1 January
    of t+1, and the births of the year (…). Any leading axes (simulation draws) broadcast.

    With `rng`, the year's events are random around their expected numbers (process
    variation): survivors binomial, in-migrants and births Poisson, migration counts
    over-dispersed by `dispersion` (households move together); normal approximations, never
    below zero. Without it the step is the deterministic expectation."""
    last = population.shape[-1] - 1
    hazard = mortality + out_rate
    cohort_hazard = np.empty_like(hazard)
    cohort_hazard[..., :last] = (hazard[..., :last] + hazard[..., 1:]) / 2.0
    cohort_hazard[..., last] = hazard[..., last]
    stay = np.exp(-cohort_hazard)

    mean_stayers = population * stay
    if rng is not None:
        var = dispersion * population * stay * (1.0 - stay)
        stayers = np.maximum(mean_stayers + np.sqrt(var) * rng.standard_normal(var.shape), 0.0)
        arrivals = np.maximum(
            in_migrants
            + np.sqrt(dispersion * in_migrants) * rng.standard_normal(in_migrants.shape),
            0.0,
        )
    else:
        stayers, arrivals = mean_stayers, in_migrants

    nxt = np.zeros_like(population)
    nxt[..., 1:last] = stayers[..., : last - 1]
    nxt[..., last] = stayers[..., last - 1] + stayers[..., last]
    # in-migrants aged x on the move: half x, half x+1 on the next 1 January
    nxt[..., :last] += arrivals[..., :last] / 2.0
    nxt[..., 1:] += arrivals[..., :last] / 2.0
    nxt[..., last] += arrivals[..., last]

    # births: rates × women's person-years (mean of the start and end of the year)
    women_years = (population[..., 1, :] + nxt[..., 1, :]) / 2.0
    births = (fertility * women_years).sum(axis=-1)
    if rng is not None:
        births = np.maximum(births + np.sqrt(births) * rng.standard_normal(births.shape), 0.0)
    share = np.stack(
        [np.asarray(male_birth_share), 1.0 - np.asarray(male_birth_share)], axis=-1
    )  # (…, 2)
    newborn_stay = np.exp(-hazard[..., 0] / 2.0)
    nxt[..., 0] += births[..., None] * share * newborn_stay
    return nxt, births


def draw_rates(rates: ProvinceRates, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Rates with their sampling variation, one set per draw: each rate (or in-migrant number) is
    its count's Gamma posterior (shape = the count, at least 1) over the same exposure, i.e. the
    rate times a multiplier of mean 1 and variance 1 / count. Group by group, so the shapes of
    the schedules vary too."""

    def multiplier(counts: np.ndarray) -> np.ndarray:
        shape = np.maximum(counts, 1.0)
        return rng.gamma(shape, 1.0 / shape, size=(draws, *counts.shape))

    group = group_of_age()
    fert_mult = np.zeros((draws, N_AGES))
    fert_mult[:, FERTILE_AGES] = np.repeat(multiplier(rates.births_by_group), 5, axis=1)
    mort_mult = multiplier(rates.deaths_by_group)[:, :, rates.death_group_of_age]
    out_mult = multiplier(rates.out_by_group)[:, :, group]
    in_mult = multiplier(rates.in_counts)[:, :, group]
    n_births = rates.births_by_group.sum()
    male = rng.beta(
        rates.male_birth_share * max(n_births, 1.0) + 1,
        (1 - rates.male_birth_share) * max(n_births, 1.0) + 1,
        size=draws,
    )
    return {
        "fertility": rates.fertility * fert_mult,
        "mortality": rates.mortality * mort_mult,
        "out_rate": rates.out_rate * out_mult,
        "in_migrants": rates.in_migrants * in_mult,
        "male_birth_share": male,
    }
