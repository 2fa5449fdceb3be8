-- Pieces of SQL several marts share, as DuckDB macros: one rule, one place. Registered on every
-- warehouse connection by marts/macros.py; part of every mart's code version
-- (warehouse/incremental.MART_CODE), so a change here marks the marts stale.
-- A table macro reads only the relations named in its arguments (query_table): the mart that
-- calls it names its inputs in its own CTEs (`stays AS (SELECT * FROM staging.stays)`), so the
-- lineage read from the mart's SQL (marts/lineage.py) stays complete, and DuckDB binds the macro
-- where it is called, not when the connection is set up (the tables may not exist yet).

-- ---------------------------------------------------------------- accommodation (model 38)
-- The first period of `grain` ('month' or 'year') a mart computes: all of them (0001-01-01) on a
-- full build; on a rebuild from a date (warehouse/incremental.rebuild_periods, which sets the
-- variable rebuild_from for that build only) the period holding that date and the later ones.
CREATE OR REPLACE TEMP MACRO rebuild_from(grain) AS
    coalesce(date_trunc(grain, getvariable('rebuild_from')::DATE), DATE '0001-01-01')::DATE;

-- One calendar period of `grain` ('month' or 'year') as an interval.
CREATE OR REPLACE TEMP MACRO to_period(grain) AS
    CASE grain WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'year' THEN INTERVAL 1 YEAR END;

-- Arrivals and guest-nights of the stays in `stays` (a relation with check_in_date, nights_end,
-- nights and record_key, and the columns of the cell: every other column) by calendar period,
-- `grain` 'month' or 'year' (period: its first day), IRTS 2008 / Eurostat:
--   arrivals      stays of at least one night checking in during the period;
--   guest_nights  nights spent in the period: each stay's nights (check-out date − check-in
--                 date, open stays censored at nights_end) counted in the period they fall in;
--   <x>__ck       sums of the stays' record keys; guest_nights__top the largest single stay's
--                 nights in the period.
-- Only the periods and cells with a stay: the mart zero-fills its frame.
CREATE OR REPLACE TEMP MACRO stay_figures(stays, grain) AS TABLE
WITH spread AS (
    -- each stay over the periods its nights fall in (period overlap, no loop)
    SELECT *,
           date_diff('day', greatest(check_in_date, period),
                     least(nights_end, (period + to_period(grain))::DATE)) AS nights_in_period
    FROM (SELECT *, unnest(generate_series(date_trunc(grain, check_in_date),
                                            date_trunc(grain, nights_end - 1),
                                            to_period(grain)))::DATE AS period
          FROM query_table(stays) WHERE nights > 0)
)
SELECT * EXCLUDE (check_in_date, nights_end, nights, record_key, nights_in_period),
       -- a stay arrives in the first period of its nights, the one it checks in
       count(*) FILTER (WHERE period = date_trunc(grain, check_in_date)) AS arrivals,
       sum(nights_in_period) AS guest_nights,
       sum(count_key(record_key)) FILTER (WHERE period = date_trunc(grain, check_in_date))
           AS arrivals__ck,
       sum(magnitude_key(record_key)) AS guest_nights__ck,
       max(nights_in_period) AS guest_nights__top
FROM spread
GROUP BY ALL;

-- The nights with a guest per room and calendar period of `grain` ('month' or 'year'): distinct
-- (establishment, room, night) of the stays in `stays`. Each night falls in one month, so a
-- year's are the sum of its months' (tourism_monthly keeps them per month for tourism_yearly:
-- expanding a year of stays into nights again took most of the yearly mart's time).
CREATE OR REPLACE TEMP MACRO room_nights_by_period(stays, grain) AS TABLE
SELECT establishment_id, commune_code, establishment_type, room,
       date_trunc(grain, night)::DATE AS period, count(DISTINCT night) AS room_nights
FROM (SELECT establishment_id, commune_code, establishment_type, room,
             unnest(generate_series(check_in_date, nights_end - 1, INTERVAL 1 DAY))::DATE AS night
      FROM query_table(stays) WHERE nights > 0)
GROUP BY ALL;

-- The accommodation statistics of tourism_monthly and tourism_yearly (definitions in their
-- headers) by period, area, establishment type and guest origin, from
--   periods          the periods of the mart: period (first day of the calendar month or year),
--                    period_start and period_end (the days the extracts cover: [start, end));
--   grain            'month' or 'year', the calendar period of the stays' nights;
--   stays            staging.stays; establishments: staging.establishments;
--   area_membership  reference.area_membership (every area level of a 2025 commune);
--   nights_per_room  the occupied nights per room and period (room_nights_by_period).
-- establishment_type and guest_origin have an 'all' total; a row for every period and area with
-- an establishment of the type open, origins zero-filled. Capacity and occupied room-nights are
-- on the guest_origin = 'all' rows only (NULL on the origin rows: a room is not split by origin).
CREATE OR REPLACE TEMP MACRO accommodation_by_area(periods, grain, stays, establishments,
                                                   area_membership, nights_per_room) AS TABLE
-- (cell_stays is read by stay_figures, by name)
WITH cell_stays AS (  -- noqa: ST03
    SELECT commune_code, establishment_type, guest_origin, check_in_date, nights_end, nights,
           record_key
    FROM query_table(stays)
),
room_nights AS (
    SELECT establishment_id, commune_code, establishment_type, room, period, room_nights
    FROM query_table(nights_per_room)
),
occupied AS (
    SELECT period, commune_code, establishment_type,
           sum(room_nights) AS occupied_room_nights,
           max(room_nights) AS occupied_room_nights__top,
           sum(magnitude_key(record_key('room|' || establishment_id || '|' || coalesce(room, ''))))
               AS occupied_room_nights__ck
    FROM room_nights
    GROUP BY ALL
),
capacity AS (
    SELECT p.period, e.commune_code, e.establishment_type,
           count(*) AS establishments, sum(e.rooms) AS rooms,
           sum(e.rooms * date_diff('day', greatest(e.opened_on, p.period_start),
                         least(coalesce(e.closed_on, DATE '9999-12-31'), p.period_end)))
               AS room_nights_available
    FROM query_table(establishments) e
    JOIN query_table(periods) p ON e.opened_on < p.period_end
                                AND coalesce(e.closed_on, DATE '9999-12-31') > p.period_start
    GROUP BY ALL
),
base AS (
    -- commune × type × origin cells of open establishments, zero-filled
    SELECT c.period, c.commune_code, c.establishment_type, o.guest_origin,
           coalesce(f.arrivals, 0) AS arrivals, coalesce(f.arrivals__ck, 0) AS arrivals__ck,
           coalesce(f.guest_nights, 0) AS guest_nights,
           coalesce(f.guest_nights__top, 0) AS guest_nights__top,
           coalesce(f.guest_nights__ck, 0) AS guest_nights__ck
    FROM capacity c
    CROSS JOIN (SELECT unnest(['domestic', 'international']) AS guest_origin) o
    LEFT JOIN stay_figures('cell_stays', grain) f
        USING (period, commune_code, establishment_type, guest_origin)
),
by_area AS (
    SELECT b.period, am.area_level, am.area_code,
           coalesce(b.establishment_type, 'all') AS establishment_type,
           coalesce(b.guest_origin, 'all') AS guest_origin,
           sum(b.arrivals)::BIGINT AS arrivals, sum(b.arrivals__ck)::BIGINT AS arrivals__ck,
           sum(b.guest_nights)::BIGINT AS guest_nights,
           max(b.guest_nights__top)::BIGINT AS guest_nights__top,
           sum(b.guest_nights__ck)::BIGINT AS guest_nights__ck
    FROM base b JOIN query_table(area_membership) am USING (commune_code)
    GROUP BY GROUPING SETS (
        (b.period, am.area_level, am.area_code, b.establishment_type, b.guest_origin),
        (b.period, am.area_level, am.area_code, b.establishment_type),
        (b.period, am.area_level, am.area_code, b.guest_origin),
        (b.period, am.area_level, am.area_code))
),
rooms_by_area AS (
    SELECT c.period, am.area_level, am.area_code,
           coalesce(c.establishment_type, 'all') AS establishment_type,
           sum(c.establishments)::BIGINT AS establishments, sum(c.rooms)::BIGINT AS rooms,
           sum(c.room_nights_available)::BIGINT AS room_nights_available,
           coalesce(sum(o.occupied_room_nights), 0)::BIGINT AS occupied_room_nights,
           coalesce(max(o.occupied_room_nights__top), 0)::BIGINT AS occupied_room_nights__top,
           coalesce(sum(o.occupied_room_nights__ck), 0)::BIGINT AS occupied_room_nights__ck
    FROM capacity c
    LEFT JOIN occupied o USING (period, commune_code, establishment_type)
    JOIN query_table(area_membership) am USING (commune_code)
    GROUP BY GROUPING SETS ((c.period, am.area_level, am.area_code, c.establishment_type),
                            (c.period, am.area_level, am.area_code))
)
-- in the column order of the marts
SELECT b.period, b.area_level, b.area_code, b.establishment_type, b.guest_origin,  -- noqa: ST06
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
JOIN rooms_by_area r USING (period, area_level, area_code, establishment_type);

-- ---------------------------------------------------------------- labour (model 37)
-- Employed persons by year, area, sex ('Nam', 'Nữ', 'Tổng') and row of a classification, zero-
-- filled over every reference year, area, sex and row, with each row's share of all employed
-- persons of its year, area and sex (the 'Tổng' row) — employment_by_occupation and
-- employment_by_sector (definitions in their headers). From
--   persons    one row per employed person and area level of residence: year, area_level,
--              area_code, sex, k (the person's count key) and in_rows, the rows of the
--              classification the person counts in (none when the record has no valid code);
--              every person counts in 'Tổng' too;
--   row_codes  the rows of the classification (row_code), 'Tổng' among them;
--   dates      marts.labour_reference_dates; areas: reference.areas.
-- employed__ck: the sum of the counted persons' count keys. level_order, sex_order: for ordering.
CREATE OR REPLACE TEMP MACRO employed_by_row(persons, row_codes, dates, areas) AS TABLE
WITH rows_of AS (
    SELECT year, area_level, area_code, sex, k, unnest(in_rows) AS row_code
    FROM query_table(persons)
    UNION ALL
    SELECT year, area_level, area_code, sex, k, 'Tổng' FROM query_table(persons)
),
by_area AS (
    SELECT year, area_level, area_code, row_code,
           CASE WHEN grouping(sex) = 1 THEN 'Tổng' ELSE sex END AS sex,
           count(*) AS employed, sum(k) AS employed__ck
    FROM rows_of
    GROUP BY GROUPING SETS ((year, area_level, area_code, sex, row_code),
                            (year, area_level, area_code, row_code))
)
SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
       rc.row_code, a.level_order, sx.sex_order,
       coalesce(b.employed, 0)::BIGINT AS employed,
       round(100.0 * coalesce(b.employed, 0) / nullif(t.employed, 0), 2)::DOUBLE AS share,
       coalesce(b.employed__ck, 0)::BIGINT AS employed__ck
FROM query_table(dates) d
CROSS JOIN query_table(areas) a
CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
CROSS JOIN query_table(row_codes) rc
LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
    AND b.area_code = a.area_code AND b.sex = sx.sex AND b.row_code = rc.row_code
LEFT JOIN by_area t ON t.year = d.year AND t.area_level = a.area_level
    AND t.area_code = a.area_code AND t.sex = sx.sex AND t.row_code = 'Tổng';

-- ---------------------------------------------------------------- population (model 36)
-- The flows of `flows` (intermediate.population_flows: state changes crossing a commune
-- boundary) at each area level of `levels` (a relation of area_level): from_area, the area of
-- the level the flow leaves, and to_area, the one it enters (NULL: outside the former province;
-- `area_membership` is reference.area_membership). A flow inside one area of the level is no
-- flow of that level and is left out (UN DESA, Recommendations on Statistics of International
-- Migration, and internal-migration practice: a migrant changes usual residence across the
-- area's boundary). population_change and migration_flows count these.
CREATE OR REPLACE TEMP MACRO flows_across_areas(flows, levels, area_membership) AS TABLE
SELECT f.*, lv.area_level, mf.area_code AS from_area, mt.area_code AS to_area
FROM query_table(flows) f
CROSS JOIN query_table(levels) lv
LEFT JOIN query_table(area_membership) mf
    ON mf.commune_code = f.from_commune_code AND mf.area_level = lv.area_level
LEFT JOIN query_table(area_membership) mt
    ON mt.commune_code = f.to_commune_code AND mt.area_level = lv.area_level
WHERE mf.area_code IS DISTINCT FROM mt.area_code;

-- ---------------------------------------------------------------- checks of the marts
-- An aggregate for quality/checks/: TRUE when the total row of a group (the row whose `code` is
-- `total_code`, e.g. sex 'Tổng', ICCS section 'ALL') is not the sum of `value` over the group's
-- other rows, its parts; NULL when the group has no total row or no part. Use it in HAVING,
-- grouped by everything but the code.
CREATE OR REPLACE TEMP MACRO total_not_adding_up(value, code, total_code) AS
    sum(value) FILTER (WHERE code <> total_code)
    <> any_value(value) FILTER (WHERE code = total_code);
