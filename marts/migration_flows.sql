-- Mart migration_flows (model 36): who moved from where to where, per year.
-- Grain: year × flow_level (district, commune) × origin × destination.
-- movers: changes of usual residence in the year (event_date) from the origin area to the
--   destination area (UN DESA, Recommendations on Statistics of International Migration and
--   internal-migration practice: a migrant changes usual residence across an area boundary).
--   Origin or destination 'NGOAI_TINH' is outside the former Bình Định area (another province or
--   not stated). Births and deaths are not moves.
CREATE OR REPLACE TABLE marts.migration_flows AS
WITH levels AS (SELECT * FROM (VALUES ('district'), ('commune')) t(flow_level)),
moves AS (
    SELECT year(f.month) AS year, lv.flow_level,
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
)
SELECT m.year, m.flow_level, m.origin_code,
       coalesce(o.area_name, 'Ngoài khu vực / outside the area') AS origin_name,
       m.destination_code,
       coalesce(d.area_name, 'Ngoài khu vực / outside the area') AS destination_name,
       count(*) AS movers
FROM moves m
LEFT JOIN reference.areas o ON o.area_code = m.origin_code AND o.area_level = m.flow_level
LEFT JOIN reference.areas d ON d.area_code = m.destination_code AND d.area_level = m.flow_level
GROUP BY ALL
ORDER BY m.year, m.flow_level, m.origin_code, m.destination_code;
