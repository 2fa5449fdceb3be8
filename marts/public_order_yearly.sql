-- Mart public_order_yearly (model 39): incidents of the police log by ICCS section and year.
-- Grain: year × area (province, former district, 2025 commune) × iccs_section ('01' … '11',
--   'ALL'), for the calendar years the extracts cover.
-- months_covered: how many months of the year the incident extracts cover (12 for a complete
--   year; a year still in progress is labelled with the months it covers, never read as a year).
-- incidents, cleared: the year's incidents (occurred_at) and those cleared, counted from the
--   incidents themselves: published (cell key method), each is perturbed on its own, so a year
--   is never the sum of its published months and its value never depends on them.
-- clearance_rate = cleared / incidents.
-- mean_population: the mean population of the area in the year, (population on 1 January +
--   population at the end of 31 December) / 2, as in population_rates (model 36, UN DESA); the
--   published value is population_rates' published mean population.
-- rate_per_100k: incidents / mean_population × 100,000 (UNODC: offences recorded by the police
--   per 100,000 population), the year's rate from the year's figures, never a sum of monthly
--   rates. ICCS v1.0 (UNODC 2015).
-- incidents__ck, cleared__ck: sums of the incidents' record keys.
CREATE OR REPLACE TABLE marts.public_order_yearly AS
WITH yearly AS (
    SELECT year(month) AS year, area_level, area_code, any_value(area_name) AS area_name,
           any_value(parent_code) AS parent_code, iccs_section, any_value(iccs_section_name)
               AS iccs_section_name,
           count(*) AS months_covered,
           sum(incidents)::BIGINT AS incidents, sum(incidents__ck)::BIGINT AS incidents__ck,
           sum(cleared)::BIGINT AS cleared, sum(cleared__ck)::BIGINT AS cleared__ck
    FROM marts.public_order_monthly
    GROUP BY year(month), area_level, area_code, iccs_section
)
SELECT y.year, y.area_level, y.area_code, y.area_name, y.parent_code,
       y.iccs_section, y.iccs_section_name, y.months_covered::INTEGER AS months_covered,
       y.incidents, y.cleared,
       round(y.cleared / nullif(y.incidents, 0), 4)::DOUBLE AS clearance_rate,
       r.mean_population::DOUBLE AS mean_population,
       round(y.incidents * 100000.0 / nullif(r.mean_population, 0), 2)::DOUBLE AS rate_per_100k,
       y.incidents__ck, y.cleared__ck
FROM yearly y
LEFT JOIN marts.population_rates r USING (year, area_level, area_code)
ORDER BY y.year, CASE y.area_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         y.area_code, y.iccs_section;
