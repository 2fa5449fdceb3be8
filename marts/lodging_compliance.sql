-- lodging_compliance: timeliness of lodging notifications by check-in month, area and
-- establishment type ('all' = every type).
-- Grain: month × area (province, former district, 2025 commune) × establishment_type, a complete
--   frame over the establishments of the register open in the month (the register is public:
--   a row says only that such an establishment exists, never that a guest stayed).
--   notifications       accepted notifications with check-in in the month (same-day stays too).
--   late_notifications  notified after the deadline: 23:00 of the check-in day, or 08:00 the next
--                       day for a guest arriving at or after 23:00 (Law on Residence 2020, art. 30;
--                       Circular 55/2021/TT-BCA; macro notification_late in quality/rules.sql).
--   late_share          late_notifications / notifications.
--   establishments      establishments of the register open on at least one day of the month.
--   reporting_establishments  of them, those that sent at least one notification in the month.
-- Published (cell key method): notifications, late_notifications and reporting_establishments
--   (which says that guests stayed) are perturbed counts; establishments, a register count of
--   businesses, is published as counted; late_share is computed from the published counts.
-- <count>__ck: sums of the records' keys (stays; establishments for reporting_establishments).
CREATE OR REPLACE TABLE marts.lodging_compliance AS
WITH months AS (
    SELECT month
    FROM (SELECT unnest(generate_series(
              (SELECT min(check_in_month) FROM staging.stays),
              (SELECT max(check_in_month) FROM staging.stays), INTERVAL 1 MONTH))::DATE AS month)
    -- all months on a full build; after a new month of stays, those from the first it changes
    -- (macro rebuild_from; warehouse/incremental.rebuild_periods keeps the earlier rows)
    WHERE month >= rebuild_from('month')
),
open_establishments AS (
    SELECT m.month, e.establishment_id, e.commune_code, e.establishment_type
    FROM staging.establishments e
    JOIN months m ON e.opened_on < (m.month + INTERVAL 1 MONTH)::DATE
                 AND coalesce(e.closed_on, DATE '9999-12-31') > m.month
),
notified AS (
    SELECT check_in_month AS month, establishment_id,
           count(*) AS notifications, sum(count_key(record_key)) AS notifications__ck,
           count_if(is_late) AS late_notifications,
           coalesce(sum(count_key(record_key)) FILTER (WHERE is_late), 0) AS late_notifications__ck
    FROM staging.stays WHERE check_in_month >= rebuild_from('month') GROUP BY ALL
),
base AS (
    -- notifications of an establishment outside its open months still count, in its commune
    SELECT coalesce(o.month, n.month) AS month, coalesce(o.establishment_id, n.establishment_id)
               AS establishment_id,
           o.establishment_id IS NOT NULL AS is_open,
           coalesce(n.notifications, 0) AS notifications,
           coalesce(n.notifications__ck, 0) AS notifications__ck,
           coalesce(n.late_notifications, 0) AS late_notifications,
           coalesce(n.late_notifications__ck, 0) AS late_notifications__ck,
           count_key(record_key('establishment|' || coalesce(o.establishment_id, n.establishment_id)))
               AS establishment_key
    FROM open_establishments o
    FULL JOIN notified n ON n.month = o.month AND n.establishment_id = o.establishment_id
)
SELECT b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code,
       coalesce(e.establishment_type, 'all') AS establishment_type,
       count_if(b.is_open)::BIGINT AS establishments,
       count_if(b.notifications > 0)::BIGINT AS reporting_establishments,
       sum(b.notifications)::BIGINT AS notifications,
       sum(b.late_notifications)::BIGINT AS late_notifications,
       round(sum(b.late_notifications) / nullif(sum(b.notifications), 0), 6)::DOUBLE AS late_share,
       coalesce(sum(b.establishment_key) FILTER (WHERE b.notifications > 0), 0)::BIGINT
           AS reporting_establishments__ck,
       sum(b.notifications__ck)::BIGINT AS notifications__ck,
       sum(b.late_notifications__ck)::BIGINT AS late_notifications__ck
FROM base b
JOIN staging.establishments e USING (establishment_id)
JOIN reference.area_membership am ON am.commune_code = e.commune_code
JOIN reference.areas ar ON ar.area_level = am.area_level AND ar.area_code = am.area_code
GROUP BY GROUPING SETS ((b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code,
                         e.establishment_type),
                        (b.month, am.area_level, am.area_code, ar.area_name, ar.parent_code))
-- by position: column 6 is the coalesced type (`all` on the totals), not e.establishment_type
ORDER BY 1, 2, 3, 6;  -- noqa: AM06
