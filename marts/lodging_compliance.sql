-- lodging_compliance: timeliness of lodging notifications by check-in month, area and
-- establishment type ('all' = every type).
--   notifications       accepted notifications with check-in in the month (same-day stays too).
--   late_notifications  notified after the deadline: 23:00 of the check-in day, or 08:00 the next
--                       day for a guest arriving at or after 23:00 (Law on Residence 2020, art. 30;
--                       Circular 55/2021/TT-BCA; macro notification_late in quality/rules.sql).
--   late_share          late_notifications / notifications.
--   establishments      establishments that sent at least one notification in the cell.
CREATE OR REPLACE TABLE marts.lodging_compliance AS
WITH base AS (
    SELECT check_in_month AS month, commune_code, establishment_type, establishment_id,
           count(*) AS notifications, count_if(is_late) AS late_notifications
    FROM staging.stays GROUP BY ALL
)
SELECT b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code,
       coalesce(b.establishment_type, 'all') AS establishment_type,
       count(DISTINCT b.establishment_id)::BIGINT AS establishments,
       sum(b.notifications)::BIGINT AS notifications,
       sum(b.late_notifications)::BIGINT AS late_notifications,
       round(sum(b.late_notifications) / nullif(sum(b.notifications), 0), 6) AS late_share
FROM base b
JOIN reference.area_membership am USING (commune_code)
JOIN reference.areas ar ON ar.area_level = am.area_level AND ar.area_code = am.area_code
GROUP BY GROUPING SETS ((b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code,
                         b.establishment_type),
                        (b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code))
ORDER BY 1, 2, 3, 6;
