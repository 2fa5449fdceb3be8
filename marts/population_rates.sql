-- Mart population_rates (model 36): yearly crude rates, for calendar years fully covered by the
-- monthly events.
-- Grain: year × area (province, former district, 2025 commune).
-- population_start: population on 1 January (00:00); population_end: at the end of 31 December.
-- mean_population: average of the population at the start and at the end of the year (UN DESA
--   approximation of the person-years lived, used when no mid-year count exists).
-- births, deaths, in_migrants, out_migrants: the year's events (as in population_change);
--   births_male, births_female: births by the child's sex.
-- crude_birth_rate, crude_death_rate: births, deaths per 1,000 mean population (UN DESA, GSO).
-- natural_increase_rate: (births − deaths) per 1,000 mean population.
-- in_migration_rate, out_migration_rate, net_migration_rate: in-, out- and net migrants of the
--   area per 1,000 mean population (GSO migration rates; flows as in population_change).
-- sex_ratio_at_birth: male births per 100 female births (UN DESA; GSO reports it yearly).
-- Published, every count is perturbed on its own and every rate is computed from the published
-- counts (a year is not the sum of its published months).
CREATE OR REPLACE TABLE marts.population_rates AS
WITH yearly AS (
    SELECT year(month) AS year, area_level, area_code, any_value(area_name) AS area_name,
           any_value(parent_code) AS parent_code,
           arg_min(population_start, month) AS population_start,
           arg_min(population_start__ck, month) AS population_start__ck,
           arg_max(population_end, month) AS population_end,
           arg_max(population_end__ck, month) AS population_end__ck,
           sum(births) AS births, sum(births__ck) AS births__ck,
           sum(deaths) AS deaths, sum(deaths__ck) AS deaths__ck,
           sum(in_migrants) AS in_migrants, sum(in_migrants__ck) AS in_migrants__ck,
           sum(out_migrants) AS out_migrants, sum(out_migrants__ck) AS out_migrants__ck,
           count(*) AS months
    FROM marts.population_change
    GROUP BY ALL
    HAVING count(*) = 12
),
births_by_sex AS (
    SELECT year(f.month) AS year, m.area_level, m.area_code,
           count_if(f.sex = 'Nam') AS births_male,
           coalesce(sum(count_key(f.rk)) FILTER (WHERE f.sex = 'Nam'), 0) AS births_male__ck,
           count_if(f.sex = 'Nữ') AS births_female,
           coalesce(sum(count_key(f.rk)) FILTER (WHERE f.sex = 'Nữ'), 0) AS births_female__ck
    FROM intermediate.population_flows f
    JOIN reference.area_membership m ON m.commune_code = f.to_commune_code
    WHERE f.event_type = 'birth'
    GROUP BY ALL
)
SELECT y.year, y.area_level, y.area_code, y.area_name, y.parent_code,
       y.population_start::BIGINT AS population_start, y.population_end::BIGINT AS population_end,
       ((y.population_start + y.population_end) / 2.0)::DOUBLE AS mean_population,
       y.births::BIGINT AS births, y.deaths::BIGINT AS deaths,
       y.in_migrants::BIGINT AS in_migrants, y.out_migrants::BIGINT AS out_migrants,
       coalesce(b.births_male, 0)::BIGINT AS births_male,
       coalesce(b.births_female, 0)::BIGINT AS births_female,
       round(1000.0 * y.births / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS crude_birth_rate,
       round(1000.0 * y.deaths / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS crude_death_rate,
       round(1000.0 * (y.births - y.deaths) / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS natural_increase_rate,
       round(1000.0 * y.in_migrants / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS in_migration_rate,
       round(1000.0 * y.out_migrants / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS out_migration_rate,
       round(1000.0 * (y.in_migrants - y.out_migrants) / nullif((y.population_start + y.population_end) / 2.0, 0), 2)::DOUBLE AS net_migration_rate,
       round(100.0 * b.births_male / nullif(b.births_female, 0), 1)::DOUBLE AS sex_ratio_at_birth,
       y.population_start__ck::BIGINT AS population_start__ck,
       y.population_end__ck::BIGINT AS population_end__ck,
       y.births__ck::BIGINT AS births__ck, y.deaths__ck::BIGINT AS deaths__ck,
       y.in_migrants__ck::BIGINT AS in_migrants__ck, y.out_migrants__ck::BIGINT AS out_migrants__ck,
       coalesce(b.births_male__ck, 0)::BIGINT AS births_male__ck,
       coalesce(b.births_female__ck, 0)::BIGINT AS births_female__ck
FROM yearly y
LEFT JOIN births_by_sex b USING (year, area_level, area_code)
ORDER BY y.year, CASE y.area_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, y.area_code;
