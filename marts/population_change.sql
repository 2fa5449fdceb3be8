-- Mart population_change (model 36): the monthly demographic balance.
-- Grain: month (first day) × area (province, former district, 2025 commune).
-- births, deaths: accepted events in the month they happened (event_date), not the month
--   registered (UN DESA, Principles and Recommendations for a Vital Statistics System, Rev. 3).
-- in_migrants / out_migrants: persons who took up / left usual residence in the area in the month,
--   coming from / going to anywhere outside that area (for the province: another province; for
--   a commune: another commune or province). Moves inside an area are not migration of it.
-- in_from_outside_province / out_to_outside_province: the part of those flows crossing the
--   province boundary.
-- population_start: population at 00:00 on the first day of the month; population_end: at the
--   end of the month. Here (unprotected) the balancing equation holds exactly by construction:
--   population_end = population_start + births − deaths + in_migrants − out_migrants.
-- natural_increase = births − deaths; net_migration = in_migrants − out_migrants.
-- balance_adjustment: population_end − (population_start + births − deaths + in_migrants −
--   out_migrants), 0 here; in the published table each count is perturbed on its own (cell key
--   method) and this column, computed from the published counts, closes the equation.
-- <count>__ck: the sum of the counted persons' record keys. A stock's key is carried forward
--   like the stock itself (baseline + arrivals − departures, each with its person's key), so it
--   is exactly the key of the persons present.
CREATE OR REPLACE TABLE marts.population_change AS
-- the inputs of flows_across_areas, which reads them by name (hence noqa: ST03, unused CTE)
WITH levels AS (  -- noqa: ST03
    SELECT * FROM (VALUES ('province'), ('district'), ('commune')) t (area_level)
),
flows AS (SELECT * FROM intermediate.population_flows),  -- noqa: ST03
area_membership AS (SELECT * FROM reference.area_membership),  -- noqa: ST03
flow_areas AS (
    SELECT month, event_type, area_level, count_key(rk) AS k,
           from_commune_code IS NULL AS from_outside_province,
           to_commune_code IS NULL AS to_outside_province, from_area, to_area
    FROM flows_across_areas('flows', 'levels', 'area_membership')
),
moves AS (
    SELECT month, area_level, to_area AS area_code,
           count_if(event_type = 'birth') AS births,
           coalesce(sum(k) FILTER (WHERE event_type = 'birth'), 0) AS births__ck,
           0 AS deaths, 0 AS deaths__ck,
           count_if(event_type <> 'birth') AS in_migrants,
           coalesce(sum(k) FILTER (WHERE event_type <> 'birth'), 0) AS in_migrants__ck,
           0 AS out_migrants, 0 AS out_migrants__ck,
           count_if(event_type <> 'birth' AND from_outside_province) AS in_from_outside_province,
           coalesce(sum(k) FILTER (WHERE event_type <> 'birth' AND from_outside_province), 0)
               AS in_from_outside_province__ck,
           0 AS out_to_outside_province, 0 AS out_to_outside_province__ck
    FROM flow_areas WHERE to_area IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT month, area_level, from_area,
           0, 0,
           count_if(event_type = 'death'), coalesce(sum(k) FILTER (WHERE event_type = 'death'), 0),
           0, 0,
           count_if(event_type <> 'death'), coalesce(sum(k) FILTER (WHERE event_type <> 'death'), 0),
           0, 0,
           count_if(event_type <> 'death' AND to_outside_province),
           coalesce(sum(k) FILTER (WHERE event_type <> 'death' AND to_outside_province), 0)
    FROM flow_areas WHERE from_area IS NOT NULL GROUP BY ALL
),
months AS (
    SELECT unnest(generate_series(
        (SELECT date_trunc('month', min(ref_date)) FROM marts.reference_dates),
        (SELECT max(ref_date) FROM marts.reference_dates) - INTERVAL 1 MONTH,
        INTERVAL 1 MONTH))::DATE AS month
),
baseline AS (
    SELECT m.area_level, m.area_code, sum(s.population) AS population,
           sum(s.population__ck) AS population__ck
    FROM intermediate.population_ages s
    JOIN reference.area_membership m USING (commune_code)
    WHERE s.ref_date = (SELECT min(ref_date) FROM marts.reference_dates)
    GROUP BY ALL
),
monthly AS (
    SELECT mo.month, a.area_level, a.area_code, a.area_name, a.parent_code, a.level_order,
           coalesce(sum(mv.births), 0)::BIGINT AS births,
           coalesce(sum(mv.births__ck), 0)::BIGINT AS births__ck,
           coalesce(sum(mv.deaths), 0)::BIGINT AS deaths,
           coalesce(sum(mv.deaths__ck), 0)::BIGINT AS deaths__ck,
           coalesce(sum(mv.in_migrants), 0)::BIGINT AS in_migrants,
           coalesce(sum(mv.in_migrants__ck), 0)::BIGINT AS in_migrants__ck,
           coalesce(sum(mv.out_migrants), 0)::BIGINT AS out_migrants,
           coalesce(sum(mv.out_migrants__ck), 0)::BIGINT AS out_migrants__ck,
           coalesce(sum(mv.in_from_outside_province), 0)::BIGINT AS in_from_outside_province,
           coalesce(sum(mv.in_from_outside_province__ck), 0)::BIGINT
               AS in_from_outside_province__ck,
           coalesce(sum(mv.out_to_outside_province), 0)::BIGINT AS out_to_outside_province,
           coalesce(sum(mv.out_to_outside_province__ck), 0)::BIGINT
               AS out_to_outside_province__ck
    FROM months mo
    CROSS JOIN reference.areas a
    LEFT JOIN moves mv ON mv.month = mo.month AND mv.area_level = a.area_level
                      AND mv.area_code = a.area_code
    GROUP BY ALL
),
balanced AS (
    SELECT m.*,
           coalesce(b.population, 0) + coalesce(sum(births - deaths + in_migrants - out_migrants) OVER w, 0)
               AS population_start,
           coalesce(b.population__ck, 0)
               + coalesce(sum(births__ck - deaths__ck + in_migrants__ck - out_migrants__ck) OVER w, 0)
               AS population_start__ck
    FROM monthly m
    LEFT JOIN baseline b USING (area_level, area_code)
    WINDOW w AS (PARTITION BY m.area_level, m.area_code ORDER BY m.month
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT month, area_level, area_code, area_name, parent_code,
       population_start::BIGINT AS population_start,
       births, deaths, in_migrants, out_migrants,
       (population_start + births - deaths + in_migrants - out_migrants)::BIGINT AS population_end,
       births - deaths AS natural_increase,
       in_migrants - out_migrants AS net_migration,
       0::BIGINT AS balance_adjustment,
       in_from_outside_province, out_to_outside_province,
       population_start__ck::BIGINT AS population_start__ck,
       births__ck, deaths__ck, in_migrants__ck, out_migrants__ck,
       (population_start__ck + births__ck - deaths__ck + in_migrants__ck - out_migrants__ck)::BIGINT
           AS population_end__ck,
       in_from_outside_province__ck, out_to_outside_province__ck
FROM balanced
ORDER BY month, level_order, area_code;
