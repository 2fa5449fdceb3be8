-- Mart population_rates (model 36): yearly crude rates, for calendar years fully covered by the
-- monthly events.
-- Grain: year × area (province, former district, 2025 commune).
-- mean_population: average of the population at the start and at the end of the year (UN DESA
--   approximation of the person-years lived, used when no mid-year count exists).
-- crude_birth_rate, crude_death_rate: births, deaths per 1,000 mean population (UN DESA, GSO).
-- natural_increase_rate: (births − deaths) per 1,000 mean population.
-- in_migration_rate, out_migration_rate, net_migration_rate: in-, out- and net migrants of the
--   area per 1,000 mean population (GSO migration rates; flows as in population_change).
-- sex_ratio_at_birth: male births per 100 female births (UN DESA; GSO reports it yearly).
CREATE OR REPLACE TABLE marts.population_rates AS
WITH yearly AS (
    SELECT year(month) AS year, area_level, area_code, any_value(area_name) AS area_name,
           any_value(parent_code) AS parent_code,
           arg_min(population_start, month) AS population_start,
           arg_max(population_end, month) AS population_end,
           sum(births) AS births, sum(deaths) AS deaths,
           sum(in_migrants) AS in_migrants, sum(out_migrants) AS out_migrants,
           count(*) AS months
    FROM marts.population_change
    GROUP BY ALL
    HAVING count(*) = 12
),
births_by_sex AS (
    SELECT year(f.month) AS year, m.area_level, m.area_code,
           count_if(f.sex = 'Nam') AS births_male, count_if(f.sex = 'Nữ') AS births_female
    FROM intermediate.population_flows f
    JOIN reference.area_membership m ON m.commune_code = f.to_commune_code
    WHERE f.event_type = 'birth'
    GROUP BY ALL
)
SELECT y.year, y.area_level, y.area_code, y.area_name, y.parent_code,
       y.population_start, y.population_end,
       (y.population_start + y.population_end) / 2.0 AS mean_population,
       y.births, y.deaths, y.in_migrants, y.out_migrants,
       coalesce(b.births_male, 0) AS births_male, coalesce(b.births_female, 0) AS births_female,
       round(1000.0 * y.births / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS crude_birth_rate,
       round(1000.0 * y.deaths / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS crude_death_rate,
       round(1000.0 * (y.births - y.deaths) / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS natural_increase_rate,
       round(1000.0 * y.in_migrants / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS in_migration_rate,
       round(1000.0 * y.out_migrants / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS out_migration_rate,
       round(1000.0 * (y.in_migrants - y.out_migrants) / nullif((y.population_start + y.population_end) / 2.0, 0), 2) AS net_migration_rate,
       round(100.0 * b.births_male / nullif(b.births_female, 0), 1) AS sex_ratio_at_birth
FROM yearly y
LEFT JOIN births_by_sex b USING (year, area_level, area_code)
ORDER BY y.year, CASE y.area_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, y.area_code;
