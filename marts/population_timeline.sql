-- Intermediate (not published): each person's residence over time, from the baseline snapshot
-- and the accepted events, and the stock of the population at each reference date.
--
-- person_states: one row per state change. commune_code is the 2025 commune the person lives in
--   from valid_from on (NULL: dead or living outside the area). The snapshot state is dated the
--   day before the snapshot date, so the stock "at date d" (00:00) takes every state with
--   valid_from < d: the snapshot itself at d = snapshot date, plus the events dated before d.
-- population_flows: the state changes that cross a commune boundary, with the commune before
--   and after; the marts aggregate them per area level (a move inside an area is no flow of it).
-- population_stock: who lives where at each reference date (1 January of each covered year and
--   the day after the last covered month), with sex, age in completed years and household.

CREATE OR REPLACE TABLE marts.person_attributes AS
SELECT person_key,
       arg_min(sex, priority) AS sex,
       arg_min(date_of_birth, priority) AS date_of_birth,
       arg_min(household_key, priority) AS household_key
FROM (
    SELECT person_key, sex, date_of_birth, household_key, 0 AS priority FROM staging.residents
    UNION ALL
    SELECT person_key, sex, date_of_birth, NULL, 1 FROM staging.events
    WHERE event_type IN ('birth', 'move_in')
)
GROUP BY person_key;

CREATE OR REPLACE TABLE marts.person_states AS
WITH states AS (
    SELECT person_key, snapshot_date - 1 AS valid_from, 0 AS step, 'snapshot' AS event_type,
           CASE WHEN status = 'alive' THEN commune_code END AS commune_code,
           '' AS source_file, 0 AS row_number
    FROM staging.residents
    UNION ALL
    SELECT person_key, event_date,
           -- same-day order: arrivals first, then moves, then departures
           CASE event_type WHEN 'birth' THEN 1 WHEN 'move_in' THEN 2 WHEN 'internal_move' THEN 3
                           ELSE 4 END,
           event_type,
           CASE WHEN event_type IN ('death', 'move_out') THEN NULL ELSE commune_code END,
           _source_file, _row_number
    FROM staging.events
)
SELECT person_key, valid_from, step, source_file, row_number, event_type, commune_code,
       lag(commune_code) OVER (PARTITION BY person_key
                               ORDER BY valid_from, step, source_file, row_number) AS previous_commune_code
FROM states;

CREATE OR REPLACE TABLE marts.population_flows AS
SELECT date_trunc('month', s.valid_from)::DATE AS month,
       s.event_type, s.previous_commune_code AS from_commune_code, s.commune_code AS to_commune_code,
       a.sex
FROM marts.person_states s
JOIN marts.person_attributes a USING (person_key)
WHERE s.event_type <> 'snapshot'
  AND s.previous_commune_code IS DISTINCT FROM s.commune_code;

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

CREATE OR REPLACE TABLE marts.population_stock AS
WITH latest AS (
    SELECT d.ref_date, s.person_key,
           arg_max_null(s.commune_code, (s.valid_from, s.step, s.source_file, s.row_number)) AS commune_code
    FROM marts.reference_dates d
    JOIN marts.person_states s ON s.valid_from < d.ref_date
    GROUP BY d.ref_date, s.person_key
)
SELECT l.ref_date, l.commune_code, a.sex,
       age_on(a.date_of_birth, l.ref_date) AS age,
       date_diff('day', a.date_of_birth, l.ref_date) / 365.2425 AS exact_age,
       a.household_key
FROM latest l
JOIN marts.person_attributes a USING (person_key)
WHERE l.commune_code IS NOT NULL;
