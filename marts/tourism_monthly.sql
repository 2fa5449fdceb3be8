-- tourism_monthly: accommodation statistics by month, area (province, former district, 2025
-- commune), establishment type and guest origin, from the accepted lodging notifications and the
-- establishment register. Definitions follow IRTS 2008 (UN, International Recommendations for
-- Tourism Statistics, ch. 6–7) and Eurostat's methodological manual for tourism statistics
-- (accommodation statistics, Regulation (EU) 692/2011):
--   arrivals               guests who checked in during the month and stayed at least one night
--                          (a same-day stay, check-out on the check-in date, is not an arrival).
--   guest_nights           nights spent = check-out date − check-in date, each night counted in
--                          the month it falls in; a stay never closed counts its nights up to the
--                          end of the latest extract month (censored there).
--   average_length_of_stay guest_nights / arrivals (Eurostat's ratio for the period).
--   establishments, rooms  establishments of the register open on at least one day of the month,
--                          and their rooms.
--   room_nights_available  Σ rooms × days the establishment is open in the month (open from
--                          opened_on, closed from closed_on).
--   occupied_room_nights   (establishment, room, night) with at least one guest; only on the
--                          guest_origin = 'all' rows (a room is not split by origin);
--                          rooms and room_nights_available too (NULL on the origin rows).
--   room_occupancy_rate    occupied_room_nights / room_nights_available (net room occupancy).
--   room_occupancy_over_100 TRUE where guests occupied more room-nights than the register
--                          lists (a register defect: rooms missing or an establishment's dates
--                          wrong); the rate is published as computed, flagged, and counted.
-- Published (cell key method): arrivals are perturbed counts; guest_nights and
--   occupied_room_nights perturbed magnitudes (noise scaled by the cell's largest single stay's
--   nights, resp. the largest single room's occupied nights); establishments, rooms and
--   room_nights_available are register figures about businesses, published as counted; the
--   ratios are computed from the published figures.
-- <count>__ck / <magnitude>__ck: sums of the records' keys (stays; rooms for occupied
--   room-nights); <magnitude>__top: the largest single contribution.
-- establishment_type and guest_origin have an 'all' total. Area from the establishment's 2025
-- commune; all levels at once via reference.area_membership. Rows exist for every month and area
-- with at least one open establishment of the type; origins are zero-filled.
CREATE OR REPLACE TABLE marts.tourism_monthly AS
WITH months AS (
    SELECT unnest(generate_series(
        (SELECT min(check_in_month) FROM staging.stays),
        (SELECT max(nights_end - 1) FROM staging.stays), INTERVAL 1 MONTH))::DATE AS month
),
stays AS (SELECT * FROM staging.stays),
arrivals AS (
    SELECT check_in_month AS month, commune_code, establishment_type, guest_origin,
           count(*) AS arrivals, sum(count_key(record_key)) AS arrivals__ck
    FROM stays WHERE nights > 0 GROUP BY ALL
),
stay_months AS (
    -- each stay spread over the months its nights fall in (month-overlap, no loop)
    SELECT m.month, commune_code, establishment_type, guest_origin, record_key,
           date_diff('day', greatest(check_in_date, m.month),
                     least(nights_end, (m.month + INTERVAL 1 MONTH)::DATE)) AS nights_in_month
    FROM (SELECT *, unnest(generate_series(date_trunc('month', check_in_date),
                                            date_trunc('month', nights_end - 1),
                                            INTERVAL 1 MONTH))::DATE AS month
          FROM stays WHERE nights > 0) m
),
nights AS (
    SELECT month, commune_code, establishment_type, guest_origin,
           sum(nights_in_month) AS guest_nights, max(nights_in_month) AS guest_nights__top,
           sum(magnitude_key(record_key)) AS guest_nights__ck
    FROM stay_months GROUP BY ALL
),
room_months AS (
    -- distinct (establishment, room, night) with a guest, per room and month
    SELECT date_trunc('month', night)::DATE AS month, establishment_id, commune_code,
           establishment_type, room, count(DISTINCT night) AS room_nights
    FROM (SELECT establishment_id, commune_code, establishment_type, room,
                 unnest(generate_series(check_in_date, nights_end - 1, INTERVAL 1 DAY))::DATE AS night
          FROM stays WHERE nights > 0)
    GROUP BY ALL
),
occupied AS (
    SELECT month, commune_code, establishment_type,
           sum(room_nights) AS occupied_room_nights,
           max(room_nights) AS occupied_room_nights__top,
           sum(magnitude_key(record_key('room|' || establishment_id || '|' || coalesce(room, ''))))
               AS occupied_room_nights__ck
    FROM room_months
    GROUP BY ALL
),
capacity AS (
    SELECT m.month, e.commune_code, e.establishment_type,
           count(*) AS establishments, sum(e.rooms) AS rooms,
           sum(e.rooms * date_diff('day', greatest(e.opened_on, m.month),
                         least(coalesce(e.closed_on, DATE '9999-12-31'),
                               (m.month + INTERVAL 1 MONTH)::DATE))) AS room_nights_available
    FROM staging.establishments e
    JOIN months m ON e.opened_on < (m.month + INTERVAL 1 MONTH)::DATE
                 AND coalesce(e.closed_on, DATE '9999-12-31') > m.month
    GROUP BY ALL
),
origins AS (SELECT unnest(['domestic', 'international']) AS guest_origin),
base AS (
    -- commune × type × origin cells of open establishments, zero-filled
    SELECT c.month, c.commune_code, c.establishment_type, o.guest_origin,
           coalesce(a.arrivals, 0) AS arrivals, coalesce(a.arrivals__ck, 0) AS arrivals__ck,
           coalesce(n.guest_nights, 0) AS guest_nights,
           coalesce(n.guest_nights__top, 0) AS guest_nights__top,
           coalesce(n.guest_nights__ck, 0) AS guest_nights__ck
    FROM capacity c CROSS JOIN origins o
    LEFT JOIN arrivals a USING (month, commune_code, establishment_type, guest_origin)
    LEFT JOIN nights n USING (month, commune_code, establishment_type, guest_origin)
),
by_area AS (
    SELECT b.month, am.area_level, am.area_code,
           coalesce(b.establishment_type, 'all') AS establishment_type,
           coalesce(b.guest_origin, 'all') AS guest_origin,
           sum(b.arrivals)::BIGINT AS arrivals, sum(b.arrivals__ck)::BIGINT AS arrivals__ck,
           sum(b.guest_nights)::BIGINT AS guest_nights,
           max(b.guest_nights__top)::BIGINT AS guest_nights__top,
           sum(b.guest_nights__ck)::BIGINT AS guest_nights__ck
    FROM base b JOIN reference.area_membership am USING (commune_code)
    GROUP BY GROUPING SETS (
        (b.month, am.area_level, am.area_code, b.establishment_type, b.guest_origin),
        (b.month, am.area_level, am.area_code, b.establishment_type),
        (b.month, am.area_level, am.area_code, b.guest_origin),
        (b.month, am.area_level, am.area_code))
),
rooms_by_area AS (
    SELECT c.month, am.area_level, am.area_code,
           coalesce(c.establishment_type, 'all') AS establishment_type,
           sum(c.establishments)::BIGINT AS establishments, sum(c.rooms)::BIGINT AS rooms,
           sum(c.room_nights_available)::BIGINT AS room_nights_available,
           coalesce(sum(o.occupied_room_nights), 0)::BIGINT AS occupied_room_nights,
           coalesce(max(o.occupied_room_nights__top), 0)::BIGINT AS occupied_room_nights__top,
           coalesce(sum(o.occupied_room_nights__ck), 0)::BIGINT AS occupied_room_nights__ck
    FROM capacity c
    LEFT JOIN occupied o USING (month, commune_code, establishment_type)
    JOIN reference.area_membership am USING (commune_code)
    GROUP BY GROUPING SETS ((c.month, am.area_level, am.area_code, c.establishment_type),
                            (c.month, am.area_level, am.area_code))
)
SELECT b.month, b.area_level, b.area_code, ar.area_name, ar.parent_code,
       b.establishment_type, b.guest_origin,
       b.arrivals, b.guest_nights,
       round(b.guest_nights / nullif(b.arrivals, 0), 4)::DOUBLE AS average_length_of_stay,
       r.establishments,
       CASE WHEN b.guest_origin = 'all' THEN r.rooms END AS rooms,
       CASE WHEN b.guest_origin = 'all' THEN r.room_nights_available END AS room_nights_available,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights END AS occupied_room_nights,
       CASE WHEN b.guest_origin = 'all'
            THEN round(r.occupied_room_nights / nullif(r.room_nights_available, 0), 6) END::DOUBLE
           AS room_occupancy_rate,
       -- a register defect, published and flagged (check room_occupancy_plausible warns)
       CASE WHEN b.guest_origin = 'all'
            THEN r.occupied_room_nights > r.room_nights_available END AS room_occupancy_over_100,
       b.arrivals__ck, b.guest_nights__ck, b.guest_nights__top,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights__ck END
           AS occupied_room_nights__ck,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights__top END
           AS occupied_room_nights__top
FROM by_area b
JOIN rooms_by_area r USING (month, area_level, area_code, establishment_type)
JOIN reference.areas ar ON ar.area_level = b.area_level AND ar.area_code = b.area_code
ORDER BY b.month, ar.level_order, b.area_code, b.establishment_type, b.guest_origin;
