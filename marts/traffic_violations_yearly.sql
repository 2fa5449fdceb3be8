-- Mart traffic_violations_yearly (model 39): camera-detected traffic violations by year.
-- Grain: year × area × violation_group × vehicle_type (with 'all' totals), the same frame as
--   traffic_violations_monthly for the calendar years the extracts cover.
-- months_covered: how many months of the year the extracts cover (12 for a complete year).
-- violations, paid, fines_vnd, paid_share: as in traffic_violations_monthly, over the year's
--   months, counted from the violations themselves: published (cell key method), each is
--   perturbed on its own, so an annual total never depends on summing published months.
-- <count>__ck, fines_vnd__top: key sums and the largest single fine of the year's cell.
CREATE OR REPLACE TABLE marts.traffic_violations_yearly AS
SELECT year(month) AS year, area_level, area_code, area_name, parent_code,
       violation_group, vehicle_type,
       count(*)::INTEGER AS months_covered,
       sum(violations)::BIGINT AS violations,
       sum(fines_vnd)::BIGINT AS fines_vnd,
       sum(paid)::BIGINT AS paid,
       round(sum(paid) / nullif(sum(violations), 0), 4)::DOUBLE AS paid_share,
       sum(violations__ck)::BIGINT AS violations__ck,
       sum(paid__ck)::BIGINT AS paid__ck,
       sum(fines_vnd__ck)::BIGINT AS fines_vnd__ck,
       max(fines_vnd__top)::BIGINT AS fines_vnd__top
FROM marts.traffic_violations_monthly
GROUP BY ALL
ORDER BY year, CASE any_value(area_level) WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         area_code, violation_group, vehicle_type;
