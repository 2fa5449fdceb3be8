-- Intermediate (not published; schema `intermediate`, never `marts`, which holds only what is
-- published): each person's residence over time, from the baseline snapshot and the accepted
-- events, and the stock of the population at each reference date. No birth date leaves staging
-- (staging.persons below): these tables carry ages.
--
-- person_states: one row per state change. commune_code is the 2025 commune the person lives in
--   from valid_from on (NULL: dead or living outside the area). The snapshot state is dated the
--   day before the snapshot date, so the stock "at date d" (00:00) takes every state with
--   valid_from < d: the snapshot itself at d = snapshot date, plus the events dated before d.
-- population_flows: the state changes that cross a commune boundary, with the commune before
--   and after; the marts aggregate them per area level (a move inside an area is no flow of it).
-- population_stock (temporary): who lives where at each reference date (1 January of each covered year and
--   the day after the last covered month), with sex, age in completed years and household;
--   population_ages (counts by commune, sex and single year of age) and population_households
--   (household numbers present per commune) are its aggregates used by the marts.
-- calendar_years: the calendar years whose start and end are both reference dates (1 January of
--   the year and of the next), the years the vital-statistics marts of the projection count
--   (births_by_mother_age, deaths_by_age_sex, migration_by_age_sex).
-- Built whole, or updated (assets/population.py sets the variable timeline_from; NULL: whole).
--   When only the events changed since the last build (the snapshot, the code and the tables
--   as they were), timeline_from is the first day of the earliest month, by event date, whose
--   accepted events differ from those of the last build (intermediate.timeline_event_months
--   keeps each month's digest). Only the persons with an event from that day on, in the events
--   or in the states of the last build, get their states again, and only the stocks of the
--   reference dates after it (and of new ones) are counted again: a state begins on its event's
--   date, so a stock at an earlier date holds the same states, and an earlier state that a
--   changed event now ends or no longer ends still covers that date. The rows are a whole
--   build's (tests/e2e/test_timeline_update.py compares them), in another order.
-- Record keys (cell key method, protection/cellkey.py): every person carries rk =
--   record_key('person|' || person_key), and every household hh_rk; the aggregates carry the
--   sums of their records' count keys (population__ck, members__ck), so every published count
--   has the key of exactly its records.

CREATE OR REPLACE VIEW staging.persons AS
-- Every person the register knows, with sex, birth date and household: a view over the two
-- staging tables (no copy), so birth dates stay in staging. Snapshot persons are unique in
-- staging; persons brought in by a birth or move-in take the attributes of their first such event.
-- With the record keys (cell key method) staging.residents keeps for the snapshot's residents
-- and households (the snapshot changes far less often than the events); NULL for the persons an
-- event brought in, computed below (the view uses no macro: any connection can read it).
SELECT person_key, sex, date_of_birth, household_key, rk, hh_rk FROM staging.residents
UNION ALL
SELECT person_key, arg_min(sex, event_date), arg_min(date_of_birth, event_date), NULL,
       NULL::UBIGINT, NULL::UBIGINT
FROM staging.events e
WHERE event_type IN ('birth', 'move_in')
  AND NOT EXISTS (SELECT 1 FROM staging.residents r WHERE r.person_key = e.person_key)
GROUP BY person_key;

-- Each month's accepted events (by event date), digested in the columns read here: an update
-- (above) compares it with the last build's, intermediate.timeline_event_months.
CREATE OR REPLACE VIEW intermediate.timeline_event_digest AS
SELECT date_trunc('month', event_date)::DATE AS month, count(*) AS events,
       sum(hash(person_key, event_type, event_date, commune_code, sex, date_of_birth,
                _source_file, _row_number)::HUGEINT) AS digest
FROM staging.events
GROUP BY ALL;

-- (an update keeps the rows of these tables it does not recompute; a whole build starts them
-- empty: the asset drops them first)
CREATE TABLE IF NOT EXISTS intermediate.person_states (
    person_key VARCHAR, valid_from DATE, step INTEGER, source_file VARCHAR, row_number BIGINT,
    event_type VARCHAR, commune_code VARCHAR, previous_commune_code VARCHAR, valid_until DATE,
    sex VARCHAR, household_key VARCHAR, rk UBIGINT
);
CREATE TABLE IF NOT EXISTS intermediate.population_ages (
    ref_date DATE, commune_code VARCHAR, sex VARCHAR, age BIGINT, population BIGINT,
    population__ck HUGEINT
);
CREATE TABLE IF NOT EXISTS intermediate.population_households (
    ref_date DATE, commune_code VARCHAR, hh_rk UBIGINT, members BIGINT, members__ck HUGEINT
);

-- The persons whose states are built: every person (whole build), or those with an event from
-- timeline_from on, now or at the last build (update); their old states go.
CREATE OR REPLACE TEMP TABLE rebuilt_persons AS
SELECT person_key FROM staging.events WHERE event_date >= getvariable('timeline_from')
UNION
SELECT person_key FROM intermediate.person_states
WHERE event_type <> 'snapshot' AND valid_from >= getvariable('timeline_from');

DELETE FROM intermediate.person_states
WHERE person_key IN (SELECT person_key FROM rebuilt_persons);

-- A resident no event names has one state, the snapshot's, which holds on (no previous commune,
-- no end): those states are written as they are, and the window runs over the states of the
-- persons the events name only (about a tenth of the register at province scale).
CREATE OR REPLACE TEMP TABLE event_persons AS
SELECT DISTINCT person_key FROM staging.events
WHERE person_key IS NOT NULL
  AND (getvariable('timeline_from') IS NULL
       OR person_key IN (SELECT person_key FROM rebuilt_persons));

-- the attributes carried on the states of those persons (a person an event brought in has no
-- household); the stocks below read birth dates from staging.persons itself (copying every
-- person here took 0.3 s of a month at province scale, for a tenth of them)
CREATE OR REPLACE TEMP TABLE person_attributes AS
SELECT * REPLACE (coalesce(rk, record_key('person|' || person_key)) AS rk)
FROM staging.persons
WHERE person_key IN (SELECT person_key FROM event_persons);

INSERT INTO intermediate.person_states
WITH states AS (
    SELECT person_key, snapshot_date - 1 AS valid_from, 0 AS step, 'snapshot' AS event_type,
           CASE WHEN status = 'alive' THEN commune_code END AS commune_code,
           '' AS source_file, 0 AS row_number
    FROM staging.residents
    WHERE person_key IN (SELECT person_key FROM event_persons)
    UNION ALL
    SELECT person_key, event_date,
           -- same-day order: arrivals first, then moves, then departures
           CASE event_type WHEN 'birth' THEN 1 WHEN 'move_in' THEN 2 WHEN 'internal_move' THEN 3
                           ELSE 4 END,
           event_type,
           CASE WHEN event_type IN ('death', 'move_out') THEN NULL ELSE commune_code END,
           _source_file, _row_number
    FROM staging.events
    WHERE person_key IN (SELECT person_key FROM event_persons)
)
SELECT s.person_key, s.valid_from, s.step, s.source_file, s.row_number, s.event_type, s.commune_code,
       lag(s.commune_code) OVER w AS previous_commune_code,
       -- the state holds until the next one: for stocks at 00:00 of d, valid_from < d <= valid_until
       lead(s.valid_from) OVER w AS valid_until,
       -- sex, household and record key carried here once (no birth date: ages are computed from
       -- staging)
       a.sex, a.household_key, a.rk
FROM states s
JOIN person_attributes a USING (person_key)
WINDOW w AS (PARTITION BY s.person_key ORDER BY s.valid_from, s.step, s.source_file, s.row_number)
UNION ALL
SELECT r.person_key, r.snapshot_date - 1, 0, '', 0, 'snapshot',
       CASE WHEN r.status = 'alive' THEN r.commune_code END, NULL, NULL,
       r.sex, r.household_key, r.rk
FROM staging.residents r
WHERE r.person_key NOT IN (SELECT person_key FROM event_persons)
  AND (getvariable('timeline_from') IS NULL
       OR r.person_key IN (SELECT person_key FROM rebuilt_persons));

-- An update replaces the flows of the persons whose states were built again, found by their
-- record key (rk is record_key('person|' || person_key) for everyone, staging.residents' too):
-- a person whose only event was withdrawn has no state left to name them.
CREATE TABLE IF NOT EXISTS intermediate.population_flows (
    month DATE, event_type VARCHAR, from_commune_code VARCHAR, to_commune_code VARCHAR,
    sex VARCHAR, rk UBIGINT
);

DELETE FROM intermediate.population_flows
WHERE rk IN (SELECT record_key('person|' || person_key) FROM rebuilt_persons);

INSERT INTO intermediate.population_flows
SELECT date_trunc('month', s.valid_from)::DATE AS month,
       s.event_type, s.previous_commune_code AS from_commune_code, s.commune_code AS to_commune_code,
       s.sex, s.rk
FROM intermediate.person_states s
WHERE s.event_type <> 'snapshot'
  AND s.previous_commune_code IS DISTINCT FROM s.commune_code
  AND (getvariable('timeline_from') IS NULL
       OR s.person_key IN (SELECT person_key FROM rebuilt_persons));

CREATE OR REPLACE TABLE marts.reference_dates AS
WITH bounds AS (
    SELECT (SELECT max(snapshot_date) FROM staging.residents) AS baseline_date,
           -- coverage ends with the last loaded events month
           coalesce(
               (SELECT max(strptime(period, '%Y-%m'))::DATE FROM ops.load_log WHERE source = 'events')
               + INTERVAL 1 MONTH,
               (SELECT max(snapshot_date) FROM staging.residents)
           )::DATE AS end_date
)
SELECT DISTINCT ref_date FROM (
    SELECT baseline_date AS ref_date FROM bounds
    UNION ALL
    SELECT unnest(generate_series(date_trunc('year', baseline_date) + INTERVAL 1 YEAR,
                                  end_date, INTERVAL 1 YEAR))::DATE FROM bounds
    UNION ALL
    SELECT end_date FROM bounds
) WHERE ref_date IS NOT NULL
ORDER BY ref_date;

CREATE OR REPLACE TABLE intermediate.calendar_years AS
SELECT year(d.ref_date) AS year
FROM marts.reference_dates d
WHERE month(d.ref_date) = 1 AND day(d.ref_date) = 1
  AND (d.ref_date + INTERVAL 1 YEAR)::DATE IN (SELECT r.ref_date FROM marts.reference_dates r);

-- (person level, kept in memory for this step only; the birth date and household's record key are
-- joined to each state before the states are spread over the reference dates: a join on the
-- 64-character person key of 1.6 million rows at province scale, not of 4.5 million)
-- The reference dates whose stock is counted: all (whole build), or those after timeline_from
-- and those the last build did not count (update); the rows of dates no longer reference dates go.
CREATE OR REPLACE TEMP TABLE counted_dates AS
SELECT ref_date FROM marts.reference_dates
WHERE getvariable('timeline_from') IS NULL OR ref_date > getvariable('timeline_from')
   OR ref_date NOT IN (SELECT DISTINCT ref_date FROM intermediate.population_ages);

DELETE FROM intermediate.population_ages
WHERE ref_date IN (SELECT ref_date FROM counted_dates)
   OR ref_date NOT IN (SELECT ref_date FROM marts.reference_dates);
DELETE FROM intermediate.population_households
WHERE ref_date IN (SELECT ref_date FROM counted_dates)
   OR ref_date NOT IN (SELECT ref_date FROM marts.reference_dates);

CREATE OR REPLACE TEMP TABLE population_stock AS
SELECT d.ref_date, s.commune_code, s.sex,
       age_on(s.date_of_birth, d.ref_date) AS age,
       s.hh_rk, s.rk
FROM counted_dates d
JOIN (SELECT s.valid_from, s.valid_until, s.commune_code, s.sex, s.rk,
             a.date_of_birth, a.hh_rk
      FROM intermediate.person_states s
      JOIN (SELECT person_key, date_of_birth, hh_rk FROM staging.persons) a USING (person_key)
      WHERE s.commune_code IS NOT NULL) s
  ON s.valid_from < d.ref_date AND coalesce(s.valid_until, DATE '9999-12-31') >= d.ref_date;

INSERT INTO intermediate.population_ages
SELECT ref_date, commune_code, sex, age, count(*) AS population,
       sum(count_key(rk)) AS population__ck
FROM population_stock
GROUP BY ALL;

-- A household is told apart by its record key hh_rk (an integer: grouping by it is faster than
-- by the 64-character pseudonym), which staging keeps distinct for distinct households
-- (stage_residents.sql); hh_rk is NULL for a person without a household.
INSERT INTO intermediate.population_households
SELECT ref_date, commune_code, hh_rk, count(*) AS members, sum(count_key(rk)) AS members__ck
FROM population_stock
WHERE hh_rk IS NOT NULL
GROUP BY ALL;

-- what an update compares with next time
CREATE OR REPLACE TABLE intermediate.timeline_event_months AS
SELECT * FROM intermediate.timeline_event_digest;

DROP TABLE person_attributes; DROP TABLE event_persons; DROP TABLE rebuilt_persons;
DROP TABLE counted_dates; DROP TABLE population_stock;
-- warehouses built before these tables left `marts` (person-level rows with birth dates)
DROP TABLE IF EXISTS marts.person_attributes; DROP TABLE IF EXISTS marts.person_states;
DROP TABLE IF EXISTS marts.population_flows; DROP TABLE IF EXISTS marts.population_ages;
DROP TABLE IF EXISTS marts.population_households;
