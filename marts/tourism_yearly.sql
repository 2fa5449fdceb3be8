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
-- Computed by accommodation_by_area (marts/shared/macros.sql), as tourism_monthly is.
CREATE OR REPLACE TABLE marts.tourism_yearly AS
WITH years AS (
    -- the periods of accommodation_by_area: the calendar years of the extracts, and the
    -- months of each they cover
    SELECT date_trunc('year', month)::DATE AS period, count(*) AS months_covered,
           min(month) AS period_start, (max(month) + INTERVAL 1 MONTH)::DATE AS period_end
    FROM (SELECT DISTINCT month FROM marts.tourism_monthly)
    WHERE month >= rebuild_from('year')
    GROUP BY ALL
),
-- the other inputs of accommodation_by_area, which reads them by name (hence noqa: ST03, unused
-- CTE); the stays with a night or an arrival in the years computed
stays AS (SELECT * FROM staging.stays WHERE nights_end > rebuild_from('year')),  -- noqa: ST03
establishments AS (SELECT * FROM staging.establishments),  -- noqa: ST03
area_membership AS (SELECT * FROM reference.area_membership),  -- noqa: ST03
room_nights AS (  -- noqa: ST03
    -- a year's occupied nights per room: the sum of its months' (tourism_monthly keeps them)
    SELECT establishment_id, commune_code, establishment_type, room,
           date_trunc('year', period)::DATE AS period, sum(room_nights)::BIGINT AS room_nights
    FROM intermediate.room_nights_monthly
    WHERE period >= rebuild_from('year')
    GROUP BY ALL
)
SELECT year(t.period) AS year, y.months_covered::INTEGER AS months_covered, t.area_level,
       t.area_code, ar.area_name, ar.parent_code,
       t.* EXCLUDE (period, area_level, area_code, room_occupancy_over_100)
FROM accommodation_by_area(
    'years', 'year', 'stays', 'establishments', 'area_membership', 'room_nights'
) t
JOIN years y USING (period)
JOIN reference.areas ar ON ar.area_level = t.area_level AND ar.area_code = t.area_code
ORDER BY t.period, ar.level_order, t.area_code, t.establishment_type, t.guest_origin;
