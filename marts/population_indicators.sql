-- Mart population_indicators (model 36): size and structure of the population.
-- Grain: ref_date × area (province, former district, 2025 commune).
-- population, males, females: usual residents at 00:00 on ref_date (see population_by_age_sex).
-- aged_0_14, aged_15_64, aged_65_plus, aged_60_plus: of them, by age in completed years.
-- sex_ratio: males per 100 females (UN DESA).
-- median_age: the age dividing the population in two halves (UN DESA, World Population
--   Prospects: median age of the population). Here (unprotected) from the single-year age
--   distribution with linear interpolation within the year of age; published from the published
--   five-year age groups of population_by_age_sex (both sexes), interpolated within the median
--   group (grouped-data median), so it follows from published counts only.
-- young_dependency_ratio: population 0-14 per 100 population 15-64; old_dependency_ratio:
--   65+ per 100 aged 15-64; total_dependency_ratio: (0-14 + 65+) per 100 aged 15-64 (UN DESA).
-- ageing_index: population 60+ per 100 population 0-14 (UN DESA / GSO ageing index).
-- households: distinct household numbers of the snapshot among the persons living in the area;
--   persons_in_households: those persons; avg_household_size: persons_in_households per
--   household (newborns and in-migrants registered after the snapshot carry no household number
--   in the event records and are left out of it).
-- density_per_km2: population per km² of the 2025 communes' area (GSO; areas from
--   vietnamadminunits).
-- <count>__ck: the sum of the counted records' keys (persons; households for households).
-- Computed for the reference dates from the variable rebuild_from on (macro rebuild_from; all
-- when it is not set): a new month of events recomputes the dates whose stocks it changes
-- (warehouse/incremental.rebuild_periods).
CREATE OR REPLACE TABLE marts.population_indicators AS
WITH ages AS (
    SELECT s.ref_date, m.area_level, m.area_code, s.sex, s.age, sum(s.population) AS population,
           sum(s.population__ck) AS population__ck
    FROM intermediate.population_ages s
    JOIN reference.area_membership m USING (commune_code)
    WHERE s.ref_date >= rebuild_from('day')
    GROUP BY ALL
),
by_area AS (
    SELECT ref_date, area_level, area_code,
           sum(population) AS population, sum(population__ck) AS population__ck,
           coalesce(sum(population) FILTER (WHERE sex = 'Nam'), 0) AS males,
           coalesce(sum(population__ck) FILTER (WHERE sex = 'Nam'), 0) AS males__ck,
           coalesce(sum(population) FILTER (WHERE sex = 'Nữ'), 0) AS females,
           coalesce(sum(population__ck) FILTER (WHERE sex = 'Nữ'), 0) AS females__ck,
           coalesce(sum(population) FILTER (WHERE age < 15), 0) AS aged_0_14,
           coalesce(sum(population__ck) FILTER (WHERE age < 15), 0) AS aged_0_14__ck,
           coalesce(sum(population) FILTER (WHERE age BETWEEN 15 AND 64), 0) AS aged_15_64,
           coalesce(sum(population__ck) FILTER (WHERE age BETWEEN 15 AND 64), 0)
               AS aged_15_64__ck,
           coalesce(sum(population) FILTER (WHERE age >= 65), 0) AS aged_65_plus,
           coalesce(sum(population__ck) FILTER (WHERE age >= 65), 0) AS aged_65_plus__ck,
           coalesce(sum(population) FILTER (WHERE age >= 60), 0) AS aged_60_plus,
           coalesce(sum(population__ck) FILTER (WHERE age >= 60), 0) AS aged_60_plus__ck
    FROM ages GROUP BY ALL
),
single_years AS (
    SELECT *, sum(n) OVER (PARTITION BY ref_date, area_level, area_code ORDER BY age
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS below
    FROM (SELECT ref_date, area_level, area_code, age, sum(population) AS n FROM ages GROUP BY ALL)
),
medians AS (
    SELECT y.ref_date, y.area_level, y.area_code,
           min(y.age + (b.population / 2.0 - coalesce(y.below, 0)) / y.n) AS median_age
    FROM single_years y
    JOIN by_area b USING (ref_date, area_level, area_code)
    WHERE coalesce(y.below, 0) < b.population / 2.0 AND coalesce(y.below, 0) + y.n >= b.population / 2.0
    GROUP BY ALL
),
household_areas AS (
    -- a household counts once in an area, however many of its members' communes it spans
    SELECT h.ref_date, m.area_level, m.area_code, h.hh_rk,
           sum(h.members) AS members, sum(h.members__ck) AS members__ck
    FROM intermediate.population_households h
    JOIN reference.area_membership m USING (commune_code)
    WHERE h.ref_date >= rebuild_from('day')
    GROUP BY ALL
),
households AS (
    SELECT ref_date, area_level, area_code,
           count(*) AS households, sum(count_key(hh_rk)) AS households__ck,
           sum(members) AS persons_in_households, sum(members__ck) AS persons_in_households__ck
    FROM household_areas
    GROUP BY ALL
),
counts AS (
    SELECT d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, a.level_order,
           a.area_km2, md.median_age,
           round(b.population / nullif(a.area_km2, 0), 1)::DOUBLE AS density_per_km2,
           -- every count of the cell and its key, zero where the cell has no record
           coalesce(COLUMNS(b.* EXCLUDE (ref_date, area_level, area_code)), 0)::BIGINT,
           coalesce(COLUMNS(h.* EXCLUDE (ref_date, area_level, area_code)), 0)::BIGINT
    FROM marts.reference_dates d
    CROSS JOIN reference.areas a
    LEFT JOIN by_area b ON b.ref_date = d.ref_date AND b.area_level = a.area_level AND b.area_code = a.area_code
    LEFT JOIN medians md ON md.ref_date = d.ref_date AND md.area_level = a.area_level AND md.area_code = a.area_code
    LEFT JOIN households h ON h.ref_date = d.ref_date AND h.area_level = a.area_level AND h.area_code = a.area_code
    WHERE d.ref_date >= rebuild_from('day')
)
SELECT ref_date, area_level, area_code, area_name, parent_code,
       population, males, females, aged_0_14, aged_15_64, aged_65_plus, aged_60_plus,
       round(100.0 * males / nullif(females, 0), 1)::DOUBLE AS sex_ratio,
       round(median_age, 1)::DOUBLE AS median_age,
       round(100.0 * aged_0_14 / nullif(aged_15_64, 0), 1)::DOUBLE AS young_dependency_ratio,
       round(100.0 * aged_65_plus / nullif(aged_15_64, 0), 1)::DOUBLE AS old_dependency_ratio,
       round(100.0 * (aged_0_14 + aged_65_plus) / nullif(aged_15_64, 0), 1)::DOUBLE
           AS total_dependency_ratio,
       round(100.0 * aged_60_plus / nullif(aged_0_14, 0), 1)::DOUBLE AS ageing_index,
       households, persons_in_households,
       round(persons_in_households / nullif(households, 0), 2)::DOUBLE AS avg_household_size,
       area_km2, density_per_km2,
       population__ck, males__ck, females__ck, aged_0_14__ck, aged_15_64__ck, aged_65_plus__ck,
       aged_60_plus__ck, households__ck, persons_in_households__ck
FROM counts
ORDER BY ref_date, level_order, area_code;
