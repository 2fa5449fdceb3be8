-- tourism_yearly: accommodation statistics by year, area (province, former district, 2025
-- commune), establishment type and guest origin — the year's figures counted from the stays, so
-- an annual total never depends on summing published (perturbed) months. Definitions as in
-- tourism_monthly (IRTS 2008, UN, ch. 6–7; Eurostat's methodological manual for tourism
-- statistics):
--   months_covered         months of the year the lodging extracts cover (12 for a complete year;
--                          a year in progress says how many months it covers).
--   arrivals               guests who checked in during the year and stayed at least one night.
--   guest_nights           nights spent in the year (check-out date − check-in date, each night in
--                          the year it falls in; open stays censored at the latest extract month).
--   average_length_of_stay guest_nights / arrivals.
--   establishments, rooms  establishments of the register open on at least one day of the year,
--                          and their rooms; room_nights_available: Σ rooms × days open in the year.
--   occupied_room_nights   (establishment, room, night) with at least one guest in the year; only on
--                          the guest_origin = 'all' rows (a room is not split by origin).
--   room_occupancy_rate    occupied_room_nights / room_nights_available.
-- establishment_type and guest_origin have an 'all' total.
-- Published (cell key method): arrivals a perturbed count, guest_nights and occupied_room_nights
--   perturbed magnitudes (noise scaled by the year's largest single stay's nights, resp. the
--   largest single room's occupied nights), capacity published as counted, ratios from the
--   published figures. <x>__ck: key sums of the stays (rooms for occupied room-nights);
--   <x>__top: the largest single contribution.
CREATE OR REPLACE TABLE marts.tourism_yearly AS
WITH months AS (
    SELECT DISTINCT month FROM marts.tourism_monthly
),
years AS (
    SELECT year(month) AS year, count(*) AS months_covered, min(month) AS first_month,
           (max(month) + INTERVAL 1 MONTH)::DATE AS end_date
    FROM months GROUP BY ALL
),
stays AS (SELECT * FROM staging.stays WHERE nights > 0),
arrivals AS (
    SELECT year(check_in_month) AS year, commune_code, establishment_type, guest_origin,
           count(*) AS arrivals, sum(count_key(record_key)) AS arrivals__ck
    FROM stays GROUP BY ALL
),
stay_years AS (
    -- each stay spread over the years its nights fall in
    SELECT y.year, s.commune_code, s.establishment_type, s.guest_origin, s.record_key,
           date_diff('day', greatest(s.check_in_date, make_date(y.year, 1, 1)),
                     least(s.nights_end, make_date(y.year + 1, 1, 1))) AS nights_in_year
    FROM stays s
    JOIN years y ON s.check_in_date < make_date(y.year + 1, 1, 1)
                AND s.nights_end > make_date(y.year, 1, 1)
),
nights AS (
    SELECT year, commune_code, establishment_type, guest_origin,
           sum(nights_in_year) AS guest_nights, max(nights_in_year) AS guest_nights__top,
           sum(magnitude_key(record_key)) AS guest_nights__ck
    FROM stay_years WHERE nights_in_year > 0 GROUP BY ALL
),
room_years AS (
    SELECT year(night) AS year, establishment_id, commune_code, establishment_type, room,
           count(DISTINCT night) AS room_nights
    FROM (SELECT establishment_id, commune_code, establishment_type, room,
                 unnest(generate_series(check_in_date, nights_end - 1, INTERVAL 1 DAY))::DATE AS night
          FROM stays)
    GROUP BY ALL
),
occupied AS (
    SELECT year, commune_code, establishment_type,
           sum(room_nights) AS occupied_room_nights,
           max(room_nights) AS occupied_room_nights__top,
           sum(magnitude_key(record_key('room|' || establishment_id || '|' || coalesce(room, ''))))
               AS occupied_room_nights__ck
    FROM room_years GROUP BY ALL
),
capacity AS (
    SELECT y.year, e.commune_code, e.establishment_type,
           count(*) AS establishments, sum(e.rooms) AS rooms,
           sum(e.rooms * date_diff('day', greatest(e.opened_on, y.first_month),
                         least(coalesce(e.closed_on, DATE '9999-12-31'), y.end_date)))
               AS room_nights_available
    FROM staging.establishments e
    JOIN years y ON e.opened_on < y.end_date
                AND coalesce(e.closed_on, DATE '9999-12-31') > y.first_month
    GROUP BY ALL
),
origins AS (SELECT unnest(['domestic', 'international']) AS guest_origin),
base AS (
    SELECT c.year, c.commune_code, c.establishment_type, o.guest_origin,
           coalesce(a.arrivals, 0) AS arrivals, coalesce(a.arrivals__ck, 0) AS arrivals__ck,
           coalesce(n.guest_nights, 0) AS guest_nights,
           coalesce(n.guest_nights__top, 0) AS guest_nights__top,
           coalesce(n.guest_nights__ck, 0) AS guest_nights__ck
    FROM capacity c CROSS JOIN origins o
    LEFT JOIN arrivals a USING (year, commune_code, establishment_type, guest_origin)
    LEFT JOIN nights n USING (year, commune_code, establishment_type, guest_origin)
),
by_area AS (
    SELECT b.year, am.area_level, am.area_code,
           coalesce(b.establishment_type, 'all') AS establishment_type,
           coalesce(b.guest_origin, 'all') AS guest_origin,
           sum(b.arrivals)::BIGINT AS arrivals, sum(b.arrivals__ck)::BIGINT AS arrivals__ck,
           sum(b.guest_nights)::BIGINT AS guest_nights,
           max(b.guest_nights__top)::BIGINT AS guest_nights__top,
           sum(b.guest_nights__ck)::BIGINT AS guest_nights__ck
    FROM base b JOIN reference.area_membership am USING (commune_code)
    GROUP BY GROUPING SETS (
        (b.year, am.area_level, am.area_code, b.establishment_type, b.guest_origin),
        (b.year, am.area_level, am.area_code, b.establishment_type),
        (b.year, am.area_level, am.area_code, b.guest_origin),
        (b.year, am.area_level, am.area_code))
),
rooms_by_area AS (
    SELECT c.year, am.area_level, am.area_code,
           coalesce(c.establishment_type, 'all') AS establishment_type,
           sum(c.establishments)::BIGINT AS establishments, sum(c.rooms)::BIGINT AS rooms,
           sum(c.room_nights_available)::BIGINT AS room_nights_available,
           coalesce(sum(o.occupied_room_nights), 0)::BIGINT AS occupied_room_nights,
           coalesce(max(o.occupied_room_nights__top), 0)::BIGINT AS occupied_room_nights__top,
           coalesce(sum(o.occupied_room_nights__ck), 0)::BIGINT AS occupied_room_nights__ck
    FROM capacity c
    LEFT JOIN occupied o USING (year, commune_code, establishment_type)
    JOIN reference.area_membership am USING (commune_code)
    GROUP BY GROUPING SETS ((c.year, am.area_level, am.area_code, c.establishment_type),
                            (c.year, am.area_level, am.area_code))
)
SELECT b.year, y.months_covered::INTEGER AS months_covered, b.area_level, b.area_code,
       ar.area_name, ar.parent_code, b.establishment_type, b.guest_origin,
       b.arrivals, b.guest_nights,
       round(b.guest_nights / nullif(b.arrivals, 0), 4)::DOUBLE AS average_length_of_stay,
       r.establishments,
       CASE WHEN b.guest_origin = 'all' THEN r.rooms END AS rooms,
       CASE WHEN b.guest_origin = 'all' THEN r.room_nights_available END AS room_nights_available,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights END AS occupied_room_nights,
       CASE WHEN b.guest_origin = 'all'
            THEN round(r.occupied_room_nights / nullif(r.room_nights_available, 0), 6) END::DOUBLE
           AS room_occupancy_rate,
       b.arrivals__ck, b.guest_nights__ck, b.guest_nights__top,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights__ck END
           AS occupied_room_nights__ck,
       CASE WHEN b.guest_origin = 'all' THEN r.occupied_room_nights__top END
           AS occupied_room_nights__top
FROM by_area b
JOIN rooms_by_area r USING (year, area_level, area_code, establishment_type)
JOIN years y USING (year)
JOIN reference.areas ar ON ar.area_level = b.area_level AND ar.area_code = b.area_code
ORDER BY b.year, ar.level_order, b.area_code, b.establishment_type, b.guest_origin;
