-- Mart migration_flows (model 36): who moved from where to where, per year.
-- Grain: year × flow_level (district, commune) × origin × destination.
-- movers: changes of usual residence in the year (event_date) from the origin area to the
--   destination area (UN DESA, Recommendations on Statistics of International Migration and
--   internal-migration practice: a migrant changes usual residence across an area boundary).
--   Origin or destination 'NGOAI_TINH' is outside the former Bình Định area (another province or
--   not stated). Births and deaths are not moves.
-- movers__ck: the sum of the movers' record keys (cell key method; never published).
CREATE OR REPLACE TABLE marts.migration_flows AS
WITH levels AS (SELECT * FROM (VALUES ('district'), ('commune')) t (flow_level)),
moves AS (
    SELECT year(f.month) AS year, lv.flow_level,
           count_key(f.rk) AS k,
           coalesce(mf.area_code, 'NGOAI_TINH') AS origin_code,
           coalesce(mt.area_code, 'NGOAI_TINH') AS destination_code
    FROM intermediate.population_flows f
    CROSS JOIN levels lv
    LEFT JOIN reference.area_membership mf
        ON mf.commune_code = f.from_commune_code AND mf.area_level = lv.flow_level
    LEFT JOIN reference.area_membership mt
        ON mt.commune_code = f.to_commune_code AND mt.area_level = lv.flow_level
    WHERE f.event_type IN ('move_in', 'move_out', 'internal_move')
      AND mf.area_code IS DISTINCT FROM mt.area_code
),
places AS (
    -- every area of the level, and outside the area
    SELECT area_level AS flow_level, area_code, area_name FROM reference.areas
    WHERE area_level IN ('district', 'commune')
    UNION ALL
    SELECT flow_level, 'NGOAI_TINH', 'Ngoài khu vực / outside the area' FROM levels
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
