-- Mart traffic_violations_monthly (model 39): camera-detected traffic violations.
-- Grain: month (first day) × area (province, former district, 2025 commune) × violation_group
--   × vehicle_type, a complete frame: every group (and 'all') × every vehicle type (and 'all')
--   for every area and month of the extracts, zero where nothing was detected, so the presence
--   of a row says nothing (helmets are a motorbike rule, overloading a truck rule: their other
--   cells are structural zeros).
-- violations: accepted violations detected in the month (detected_at), in the 2025 commune of
--   the camera (old codes converted). violation_group: the violation code of
--   sources/reference/violation_codes.csv (TOC_DO speeding, DEN_DO red light, LAN_DUONG wrong
--   lane, DUNG_DO stopping/parking, MU_BAO_HIEM helmet, NONG_DO_CON alcohol, QUA_TAI
--   overloading); a code outside the list is counted in 'other'. 'all' rows are the totals.
-- fines_vnd: the sum of the fines imposed (VND; brackets of Decree 100/2019/NĐ-CP as amended
--   by 123/2021 until 2024, Decree 168/2024/NĐ-CP from 1 January 2025), paid or not.
-- paid_share: paid violations / violations, by the paid flag at the extract.
-- Source: police camera records (Decree 135/2021/NĐ-CP on the use of technical equipment).
CREATE OR REPLACE TABLE marts.traffic_violations_monthly AS
WITH months AS (
    SELECT unnest(generate_series(min(m), max(m), INTERVAL 1 MONTH))::DATE AS month
    FROM (
        SELECT detected_month AS m FROM staging.traffic_violations
        UNION ALL
        SELECT strptime(period, '%Y-%m')::DATE FROM ops.load_log
        WHERE source = 'traffic_violations'
    )
),
groups AS (
    SELECT DISTINCT violation_group FROM reference.violation_codes
    UNION SELECT 'other' UNION SELECT 'all'
),
vehicles AS (
    SELECT unnest(['motorbike', 'car', 'truck', 'bus', 'all']) AS vehicle_type
),
facts AS (
    SELECT v.detected_month AS month, m.area_level, m.area_code,
           coalesce(v.violation_group, 'all') AS violation_group,
           coalesce(v.vehicle_type, 'all') AS vehicle_type,
           count(*) AS violations, sum(v.fine_vnd) AS fines_vnd, count_if(v.paid) AS paid
    FROM staging.traffic_violations v
    JOIN reference.area_membership m USING (commune_code)
    GROUP BY GROUPING SETS ((v.detected_month, m.area_level, m.area_code, v.violation_group, v.vehicle_type),
                            (v.detected_month, m.area_level, m.area_code, v.violation_group),
                            (v.detected_month, m.area_level, m.area_code, v.vehicle_type),
                            (v.detected_month, m.area_level, m.area_code))
)
SELECT mo.month, a.area_level, a.area_code, a.area_name, a.parent_code,
       g.violation_group, vh.vehicle_type,
       coalesce(f.violations, 0)::BIGINT AS violations,
       coalesce(f.fines_vnd, 0)::BIGINT AS fines_vnd,
       round(f.paid / nullif(f.violations, 0), 4) AS paid_share
FROM months mo
CROSS JOIN reference.areas a
CROSS JOIN groups g
CROSS JOIN vehicles vh
LEFT JOIN facts f
    ON f.month = mo.month AND f.area_level = a.area_level AND f.area_code = a.area_code
    AND f.violation_group = g.violation_group AND f.vehicle_type = vh.vehicle_type
ORDER BY mo.month, a.level_order, a.area_code, g.violation_group, vh.vehicle_type;
