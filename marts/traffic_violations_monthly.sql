-- Mart traffic_violations_monthly (model 39): camera-detected traffic violations.
-- Grain: month (first day) × area (province, former district, 2025 commune) × violation_group
--   × vehicle_type; only combinations with at least one violation are listed (a missing row is
--   zero: helmets are a motorbike rule, overloading a truck rule).
-- violations: accepted violations detected in the month (detected_at), in the 2025 commune of
--   the camera (old codes converted). violation_group: the violation code of
--   sources/reference/violation_codes.csv (TOC_DO speeding, DEN_DO red light, LAN_DUONG wrong
--   lane, DUNG_DO stopping/parking, MU_BAO_HIEM helmet, NONG_DO_CON alcohol, QUA_TAI
--   overloading); a code outside the list is counted in 'other'.
-- fines_vnd: the sum of the fines imposed (VND; brackets of Decree 100/2019/NĐ-CP as amended
--   by 123/2021 until 2024, Decree 168/2024/NĐ-CP from 1 January 2025), paid or not.
-- paid_share: paid violations / violations, by the paid flag at the extract.
-- vehicles: distinct vehicles (plate pseudonyms) among them.
CREATE OR REPLACE TABLE marts.traffic_violations_monthly AS
SELECT month, area_level, area_code, area_name, parent_code, violation_group, vehicle_type,
       violations, vehicles, fines_vnd, paid_share
FROM (
    SELECT v.detected_month AS month, m.area_level, m.area_code, a.area_name, a.parent_code,
           a.level_order, v.violation_group, v.vehicle_type,
           count(*)::BIGINT AS violations,
           count(DISTINCT v.plate_key)::BIGINT AS vehicles,
           sum(v.fine_vnd)::BIGINT AS fines_vnd,
           round(count_if(v.paid) / count(*), 4) AS paid_share
    FROM staging.traffic_violations v
    JOIN reference.area_membership m USING (commune_code)
    JOIN reference.areas a ON a.area_level = m.area_level AND a.area_code = m.area_code
    GROUP BY ALL
)
ORDER BY month, level_order, area_code, violation_group, vehicle_type;
