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
-- Computed by accommodation_by_area (marts/shared/macros.sql), as tourism_yearly is. After a new
-- month of stays, only the months from the first one it changes are computed (rebuild_from; the
-- earlier months' rows are kept: warehouse/incremental.rebuild_periods).
-- The occupied nights per room and month, kept for tourism_yearly (a year's are the sum of its
-- months'), recomputed, like the mart, from the first month rebuilt on.
CREATE TABLE IF NOT EXISTS intermediate.room_nights_monthly (
    establishment_id VARCHAR, commune_code VARCHAR, establishment_type VARCHAR, room VARCHAR,
    period DATE, room_nights BIGINT
);

DELETE FROM intermediate.room_nights_monthly WHERE period >= rebuild_from('month');

INSERT INTO intermediate.room_nights_monthly
WITH stays AS (SELECT * FROM staging.stays WHERE nights_end > rebuild_from('month'))  -- noqa: ST03
SELECT * FROM room_nights_by_period('stays', 'month') WHERE period >= rebuild_from('month');

CREATE OR REPLACE TABLE marts.tourism_monthly AS
WITH months AS (  -- noqa: ST03
    -- the periods of accommodation_by_area: the calendar months of the extracts, each covered
    -- whole
    SELECT month AS period, month AS period_start, (month + INTERVAL 1 MONTH)::DATE AS period_end
    FROM (SELECT unnest(generate_series(
              (SELECT min(check_in_month) FROM staging.stays),
              (SELECT max(nights_end - 1) FROM staging.stays), INTERVAL 1 MONTH))::DATE AS month)
    WHERE month >= rebuild_from('month')
),
-- the other inputs of accommodation_by_area, which reads them by name (hence noqa: ST03, unused
-- CTE); the stays with a night or an arrival in the months computed
stays AS (SELECT * FROM staging.stays WHERE nights_end > rebuild_from('month')),  -- noqa: ST03
establishments AS (SELECT * FROM staging.establishments),  -- noqa: ST03
area_membership AS (SELECT * FROM reference.area_membership),  -- noqa: ST03
room_nights AS (  -- noqa: ST03
    SELECT * FROM intermediate.room_nights_monthly WHERE period >= rebuild_from('month')
)
SELECT t.period AS month, t.area_level, t.area_code, ar.area_name, ar.parent_code,
       t.* EXCLUDE (period, area_level, area_code)
FROM accommodation_by_area(
    'months', 'month', 'stays', 'establishments', 'area_membership', 'room_nights'
) t
JOIN reference.areas ar ON ar.area_level = t.area_level AND ar.area_code = t.area_code
ORDER BY t.period, ar.level_order, t.area_code, t.establishment_type, t.guest_origin;
