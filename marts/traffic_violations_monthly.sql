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
-- paid: violations whose fine is paid at the extract; paid_share: paid / violations.
-- Published (cell key method): violations and paid are perturbed counts, fines_vnd a perturbed
--   magnitude (noise scaled by the cell's largest single fine), paid_share is computed from the
--   published counts.
-- violations__ck, paid__ck, fines_vnd__ck: sums of the violations' record keys; fines_vnd__top:
--   the largest single fine of the cell.
-- Source: police camera records (Decree 135/2021/NĐ-CP on the use of technical equipment).
CREATE OR REPLACE TABLE marts.traffic_violations_monthly AS
WITH months AS (
    -- every month from the first to the last the extracts cover; after an append, those from
    -- the variable rebuild_from on (macro rebuild_from; warehouse/incremental.rebuild_periods
    -- keeps the earlier rows)
    SELECT month FROM (
        SELECT unnest(generate_series(min(m), max(m), INTERVAL 1 MONTH))::DATE AS month
        FROM (
            SELECT detected_month AS m FROM staging.traffic_violations
            UNION ALL
            SELECT strptime(period, '%Y-%m')::DATE FROM ops.load_log
            WHERE source = 'traffic_violations'
        )
    )
    WHERE month >= rebuild_from('month')
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
           count(*) AS violations, sum(count_key(v.record_key)) AS violations__ck,
           sum(v.fine_vnd) AS fines_vnd, max(v.fine_vnd) AS fines_vnd__top,
           sum(magnitude_key(v.record_key)) AS fines_vnd__ck,
           count_if(v.paid) AS paid,
           coalesce(sum(count_key(v.record_key)) FILTER (WHERE v.paid), 0) AS paid__ck
    FROM staging.traffic_violations v
    JOIN reference.area_membership m USING (commune_code)
    WHERE v.detected_month >= rebuild_from('month')
    GROUP BY GROUPING SETS ((v.detected_month, m.area_level, m.area_code, v.violation_group, v.vehicle_type),
                            (v.detected_month, m.area_level, m.area_code, v.violation_group),
                            (v.detected_month, m.area_level, m.area_code, v.vehicle_type),
                            (v.detected_month, m.area_level, m.area_code))
)
SELECT mo.month, a.area_level, a.area_code, a.area_name, a.parent_code,
       g.violation_group, vh.vehicle_type,
       coalesce(f.violations, 0)::BIGINT AS violations,
       coalesce(f.fines_vnd, 0)::BIGINT AS fines_vnd,
       coalesce(f.paid, 0)::BIGINT AS paid,
       round(f.paid / nullif(f.violations, 0), 4)::DOUBLE AS paid_share,
       coalesce(f.violations__ck, 0)::BIGINT AS violations__ck,
       coalesce(f.paid__ck, 0)::BIGINT AS paid__ck,
       coalesce(f.fines_vnd__ck, 0)::BIGINT AS fines_vnd__ck,
       coalesce(f.fines_vnd__top, 0)::BIGINT AS fines_vnd__top
FROM months mo
CROSS JOIN reference.areas a
CROSS JOIN groups g
CROSS JOIN vehicles vh
LEFT JOIN facts f
    ON f.month = mo.month AND f.area_level = a.area_level AND f.area_code = a.area_code
    AND f.violation_group = g.violation_group AND f.vehicle_type = vh.vehicle_type
ORDER BY mo.month, a.level_order, a.area_code, g.violation_group, vh.vehicle_type;
