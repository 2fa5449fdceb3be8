-- Mart population_indicators (model 36): size and structure of the population.
-- Grain: ref_date × area (province, former district, 2025 commune).
-- population, males, females: usual residents at 00:00 on ref_date (see population_by_age_sex).
-- sex_ratio: males per 100 females (UN DESA).
-- median_age: the age dividing the population in two halves, from the single-year age
--   distribution with linear interpolation within the year of age (UN DESA, World Population
--   Prospects: median age of the population).
-- young_dependency_ratio: population 0-14 per 100 population 15-64; old_dependency_ratio:
--   65+ per 100 aged 15-64; total_dependency_ratio: (0-14 + 65+) per 100 aged 15-64 (UN DESA).
-- ageing_index: population 60+ per 100 population 0-14 (UN DESA / GSO ageing index).
-- households: distinct household numbers of the snapshot among the persons living in the area;
--   avg_household_size: those persons per household (newborns and in-migrants registered after
--   the snapshot carry no household number in the event records and are left out of it).
-- density_per_km2: population per km² of the 2025 communes' area (GSO; areas from
--   vietnamadminunits).
CREATE OR REPLACE TABLE marts.population_indicators AS
WITH ages AS (
    SELECT s.ref_date, m.area_level, m.area_code, s.sex, s.age, sum(s.population) AS population
    FROM intermediate.population_ages s
    JOIN reference.area_membership m USING (commune_code)
    GROUP BY ALL
),
by_area AS (
    SELECT ref_date, area_level, area_code,
           sum(population) AS population,
           sum(population) FILTER (WHERE sex = 'Nam') AS males,
           sum(population) FILTER (WHERE sex = 'Nữ') AS females,
           coalesce(sum(population) FILTER (WHERE age < 15), 0) AS aged_0_14,
           coalesce(sum(population) FILTER (WHERE age BETWEEN 15 AND 64), 0) AS aged_15_64,
           coalesce(sum(population) FILTER (WHERE age >= 65), 0) AS aged_65_plus,
           coalesce(sum(population) FILTER (WHERE age >= 60), 0) AS aged_60_plus
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
households AS (
    SELECT h.ref_date, m.area_level, m.area_code,
           count(DISTINCT h.household_key) AS households, sum(h.members) AS persons_in_households
    FROM intermediate.population_households h
    JOIN reference.area_membership m USING (commune_code)
    GROUP BY ALL
)
SELECT d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code,
       coalesce(b.population, 0) AS population,
       coalesce(b.males, 0) AS males,
       coalesce(b.females, 0) AS females,
       coalesce(b.aged_0_14, 0) AS aged_0_14,
       coalesce(b.aged_15_64, 0) AS aged_15_64,
       coalesce(b.aged_65_plus, 0) AS aged_65_plus,
       coalesce(b.aged_60_plus, 0) AS aged_60_plus,
       round(100.0 * b.males / nullif(b.females, 0), 1) AS sex_ratio,
       round(md.median_age, 1) AS median_age,
       round(100.0 * b.aged_0_14 / nullif(b.aged_15_64, 0), 1) AS young_dependency_ratio,
       round(100.0 * b.aged_65_plus / nullif(b.aged_15_64, 0), 1) AS old_dependency_ratio,
       round(100.0 * (b.aged_0_14 + b.aged_65_plus) / nullif(b.aged_15_64, 0), 1) AS total_dependency_ratio,
       round(100.0 * b.aged_60_plus / nullif(b.aged_0_14, 0), 1) AS ageing_index,
       coalesce(h.households, 0) AS households,
       round(h.persons_in_households / nullif(h.households, 0), 2) AS avg_household_size,
       a.area_km2,
       round(b.population / nullif(a.area_km2, 0), 1) AS density_per_km2
FROM marts.reference_dates d
CROSS JOIN reference.areas a
LEFT JOIN by_area b ON b.ref_date = d.ref_date AND b.area_level = a.area_level AND b.area_code = a.area_code
LEFT JOIN medians md ON md.ref_date = d.ref_date AND md.area_level = a.area_level AND md.area_code = a.area_code
LEFT JOIN households h ON h.ref_date = d.ref_date AND h.area_level = a.area_level AND h.area_code = a.area_code
ORDER BY d.ref_date, a.level_order, a.area_code;
