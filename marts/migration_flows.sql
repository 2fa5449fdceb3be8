-- Mart migration_flows (model 36): who moved from where to where, per year.
-- Grain: year × flow_level (district, commune) × origin × destination.
-- movers: changes of usual residence in the year (event_date) from the origin area to the
--   destination area (UN DESA, Recommendations on Statistics of International Migration and
--   internal-migration practice: a migrant changes usual residence across an area boundary).
--   Origin or destination 'NGOAI_TINH' is outside the former Bình Định area (another province or
--   not stated). Births and deaths are not moves.
-- movers__ck: the sum of the movers' record keys (cell key method; never published).
CREATE OR REPLACE TABLE marts.migration_flows AS
-- the inputs of flows_across_areas, which reads them by name (hence noqa: ST03, unused CTE)
WITH levels AS (SELECT * FROM (VALUES ('district'), ('commune')) t (area_level)),
flows AS (SELECT * FROM intermediate.population_flows),  -- noqa: ST03
area_membership AS (SELECT * FROM reference.area_membership),  -- noqa: ST03
moves AS (
    SELECT year(month) AS year, area_level AS flow_level, count_key(rk) AS k,
           coalesce(from_area, 'NGOAI_TINH') AS origin_code,
           coalesce(to_area, 'NGOAI_TINH') AS destination_code
    FROM flows_across_areas('flows', 'levels', 'area_membership')
    WHERE event_type IN ('move_in', 'move_out', 'internal_move')
),
places AS (
    -- every area of the level, and outside the area
    SELECT area_level AS flow_level, area_code, area_name FROM reference.areas
    WHERE area_level IN ('district', 'commune')
    UNION ALL
    SELECT area_level, 'NGOAI_TINH', 'Ngoài khu vực / outside the area' FROM levels
),
years AS (SELECT DISTINCT year(month) AS year FROM intermediate.population_flows),
counted AS (SELECT year, flow_level, origin_code, destination_code, count(*) AS movers,
                   sum(k) AS movers__ck
            FROM moves GROUP BY ALL)
-- a complete frame of origin × destination pairs (outside → outside excluded): the presence
-- of a row says nothing
SELECT y.year, o.flow_level, o.area_code AS origin_code, o.area_name AS origin_name,
       d.area_code AS destination_code, d.area_name AS destination_name,
       coalesce(c.movers, 0)::BIGINT AS movers,
       coalesce(c.movers__ck, 0)::BIGINT AS movers__ck
FROM years y
CROSS JOIN places o
JOIN places d ON d.flow_level = o.flow_level AND d.area_code <> o.area_code
LEFT JOIN counted c ON c.year = y.year AND c.flow_level = o.flow_level
    AND c.origin_code = o.area_code AND c.destination_code = d.area_code
WHERE NOT (o.area_code = 'NGOAI_TINH' AND d.area_code = 'NGOAI_TINH')
ORDER BY y.year, o.flow_level, origin_code, destination_code;
