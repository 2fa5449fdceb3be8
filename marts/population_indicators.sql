-- Mart population_indicators (model 36): size and structure of the population.
-- Grain: ref_date × area (province, former district, 2025 commune).
-- population, males, females: usual residents at 00:00 on ref_date (see population_by_age_sex).
-- sex_ratio: males per 100 females (UN DESA).
-- median_age: the age dividing the population in two halves, from exact ages (UN DESA, World
--   Population Prospects definitions).
-- young_dependency_ratio: population 0-14 per 100 population 15-64; old_dependency_ratio:
--   65+ per 100 aged 15-64; total_dependency_ratio: (0-14 + 65+) per 100 aged 15-64 (UN DESA).
-- ageing_index: population 60+ per 100 population 0-14 (UN DESA / GSO ageing index).
-- households: distinct household numbers of the snapshot among the persons living in the area;
--   avg_household_size: those persons per household (newborns and in-migrants registered after
--   the snapshot carry no household number in the event records and are left out of it).
-- density_per_km2: population per km² of the 2025 communes' area (GSO; areas from
--   vietnamadminunits).
CREATE OR REPLACE TABLE marts.population_indicators AS
WITH by_area AS (
    SELECT s.ref_date, m.area_level, m.area_code,
           count(*) AS population,
           count_if(s.sex = 'Nam') AS males,
           count_if(s.sex = 'Nữ') AS females,
           count_if(s.age < 15) AS aged_0_14,
           count_if(s.age BETWEEN 15 AND 64) AS aged_15_64,
           count_if(s.age >= 65) AS aged_65_plus,
           count_if(s.age >= 60) AS aged_60_plus,
           quantile_cont(s.exact_age, 0.5) AS median_age,
           count(DISTINCT s.household_key) AS households,
           count(s.household_key) AS persons_in_households
    FROM marts.population_stock s
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
       round(b.median_age, 1) AS median_age,
       round(100.0 * b.aged_0_14 / nullif(b.aged_15_64, 0), 1) AS young_dependency_ratio,
       round(100.0 * b.aged_65_plus / nullif(b.aged_15_64, 0), 1) AS old_dependency_ratio,
       round(100.0 * (b.aged_0_14 + b.aged_65_plus) / nullif(b.aged_15_64, 0), 1) AS total_dependency_ratio,
       round(100.0 * b.aged_60_plus / nullif(b.aged_0_14, 0), 1) AS ageing_index,
       coalesce(b.households, 0) AS households,
       round(b.persons_in_households / nullif(b.households, 0), 2) AS avg_household_size,
       a.area_km2,
       round(b.population / nullif(a.area_km2, 0), 1) AS density_per_km2
FROM marts.reference_dates d
CROSS JOIN reference.areas a
LEFT JOIN by_area b ON b.ref_date = d.ref_date AND b.area_level = a.area_level AND b.area_code = a.area_code
ORDER BY d.ref_date, a.level_order, a.area_code;
