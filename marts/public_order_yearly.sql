-- Mart public_order_yearly (model 39): incidents of the police log by ICCS section and year.
-- Grain: year × area (province, former district, 2025 commune) × iccs_section ('01' … '11',
--   'ALL'), for the calendar years the extracts cover.
-- incidents, cleared: the sums over the year's months of public_order_monthly (occurred_at),
--   computed before suppression, so the year's totals are always published where they are not
--   themselves small; clearance_rate = cleared / incidents.
-- mean_population: the mean of the area's population at 00:00 on the first day of each month
--   of the year (model 36, register-based).
-- rate_per_100k: incidents / mean_population × 100,000 (UNODC: offences recorded by the police
--   per 100,000 population), the year's rate from the year's figures, never a sum of monthly
--   rates. ICCS v1.0 (UNODC 2015).
CREATE OR REPLACE TABLE marts.public_order_yearly AS
SELECT year(month) AS year, area_level, area_code, area_name, parent_code,
       iccs_section, iccs_section_name,
       sum(incidents)::BIGINT AS incidents,
       sum(cleared)::BIGINT AS cleared,
       round(sum(cleared) / nullif(sum(incidents), 0), 4) AS clearance_rate,
       round(avg(population_start), 1) AS mean_population,
       round(sum(incidents) * 100000.0 / nullif(avg(population_start), 0), 2) AS rate_per_100k
FROM marts.public_order_monthly
GROUP BY ALL
ORDER BY year, CASE any_value(area_level) WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         area_code, iccs_section;
