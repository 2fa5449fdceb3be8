-- Mart traffic_violations_yearly (model 39): camera-detected traffic violations by year.
-- Grain: year × area × violation_group × vehicle_type (with 'all' totals), the same frame as
--   traffic_violations_monthly for the calendar years the extracts cover.
-- violations, fines_vnd, paid_share: as in traffic_violations_monthly, over the year's months,
--   computed from the monthly mart before suppression, so an annual total never depends on
--   summing published months that have suppressed cells.
CREATE OR REPLACE TABLE marts.traffic_violations_yearly AS
SELECT year(month) AS year, area_level, area_code, area_name, parent_code,
       violation_group, vehicle_type,
       sum(violations)::BIGINT AS violations,
       sum(fines_vnd)::BIGINT AS fines_vnd,
       round(sum(paid_share * violations) / nullif(sum(violations), 0), 4) AS paid_share
FROM marts.traffic_violations_monthly
GROUP BY ALL
ORDER BY year, CASE any_value(area_level) WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         area_code, violation_group, vehicle_type;
