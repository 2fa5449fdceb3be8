-- Mart public_order_monthly (model 39): incidents of the police log by ICCS section.
-- Grain: month (first day) × area (province, former district, 2025 commune) × iccs_section
--   ('01' … '11', and 'ALL' for the area's total).
-- Classification: International Classification of Crime for Statistical Purposes (ICCS)
--   version 1.0 (UNODC, March 2015), section level. Penal Code 2015 articles are mapped to
--   sections in sources/reference/penal_code_iccs.csv (reference.penal_code_iccs); an article
--   the list does not know is counted in section 11 "other criminal acts not elsewhere
--   classified" (and as the quality figure unknown_article), never dropped.
-- incidents: accepted incidents that occurred in the month (occurred_at; not the month reported),
--   in the 2025 commune where they occurred (old codes converted).
-- cleared: those of them whose status in the log is 'cleared' at the extract.
-- clearance_rate: cleared / incidents (NULL when no incidents); the share of recorded incidents
--   the police report as solved ("tỷ lệ điều tra, khám phá"), at the time of the extract.
-- population_start: the model-36 population of the area at 00:00 on the first day of the month
--   (marts.population_change, register-based).
-- rate_per_100k: incidents / population_start × 100,000 (UNODC: offences recorded by the police
--   per 100,000 population), rounded to 2 decimals; NULL without a population.
-- Published (cell key method): incidents, cleared and population_start are perturbed counts
--   (population_start has the key of model 36's stock of the same area and day: the same
--   persons, the same published value); clearance_rate and rate_per_100k are computed from the
--   published counts.
-- <count>__ck: sums of the records' keys (incidents; persons for population_start).
CREATE OR REPLACE TABLE marts.public_order_monthly AS
WITH sections AS (
    SELECT DISTINCT iccs_section, iccs_section_name_vi AS iccs_section_name
    FROM reference.penal_code_iccs
    UNION ALL SELECT 'ALL', 'Tất cả các nhóm tội / all sections'
),
months AS (
    SELECT unnest(generate_series(min(m), max(m), INTERVAL 1 MONTH))::DATE AS month
    FROM (
        SELECT occurred_month AS m FROM staging.incidents
        UNION ALL
        SELECT strptime(period, '%Y-%m')::DATE FROM ops.load_log WHERE source = 'incidents'
    )
),
facts AS (
    SELECT i.occurred_month AS month, m.area_level, m.area_code,
           CASE WHEN grouping(i.iccs_section) = 1 THEN 'ALL' ELSE i.iccs_section END AS iccs_section,
           count(*) AS incidents, sum(count_key(i.record_key)) AS incidents__ck,
           count_if(i.cleared) AS cleared,
           coalesce(sum(count_key(i.record_key)) FILTER (WHERE i.cleared), 0) AS cleared__ck
    FROM staging.incidents i JOIN reference.area_membership m USING (commune_code)
    GROUP BY GROUPING SETS ((i.occurred_month, m.area_level, m.area_code, i.iccs_section),
                            (i.occurred_month, m.area_level, m.area_code))
),
frame AS (
    SELECT mo.month, a.area_level, a.area_code, a.area_name, a.parent_code, a.level_order,
           s.iccs_section, s.iccs_section_name
    FROM months mo CROSS JOIN reference.areas a CROSS JOIN sections s
)
SELECT f.month, f.area_level, f.area_code, f.area_name, f.parent_code,
       f.iccs_section, f.iccs_section_name,
       coalesce(x.incidents, 0)::BIGINT AS incidents,
       coalesce(x.cleared, 0)::BIGINT AS cleared,
       CASE WHEN coalesce(x.incidents, 0) > 0 THEN round(x.cleared / x.incidents, 4) END::DOUBLE
           AS clearance_rate,
       p.population_start,
       CASE WHEN p.population_start > 0
            THEN round(coalesce(x.incidents, 0) * 100000.0 / p.population_start, 2) END::DOUBLE
           AS rate_per_100k,
       coalesce(x.incidents__ck, 0)::BIGINT AS incidents__ck,
       coalesce(x.cleared__ck, 0)::BIGINT AS cleared__ck,
       p.population_start__ck
FROM frame f
LEFT JOIN facts x USING (month, area_level, area_code, iccs_section)
LEFT JOIN marts.population_change p USING (month, area_level, area_code)
ORDER BY f.month, f.level_order, f.area_code, f.iccs_section;
