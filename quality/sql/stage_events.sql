-- Staging of the monthly population events (all loaded months at once: the person-level rules,
-- such as a second death or an event for an unknown person, need the whole history; a new
-- month alone is appended instead, with the verdicts this file gives: quality/sql/append/events.sql).
-- Row-level rules first, then person-level rules on the rows that passed them. The event type
-- is read by the contract's code list (a label such as 'Khai sinh' or 'Chuyển đến' is a
-- spelling of its code); a birth or move-in brings the person in, so its sex must be readable.
-- A date after the day the file was received or more than 120 years before it is rejected
-- (DATE_OUT_OF_RANGE: 2204 for 2024), as is a date given but unreadable (INVALID_DATE).
-- The row-level part (typing, the row rules, the pseudonyms) is kept per raw row in
-- intermediate.events_rows, and only the rows of a file not typed yet (a new month, or a file
-- loaded again: its load batch is new) are typed: the person-level rules and the duplicates
-- still look at every row. warehouse/incremental.py drops the kept rows whenever anything else
-- changed (the code, the key, the register's snapshot, a reference table): then every row is
-- typed again. (Typing and pseudonymising every row again took 3 to 4 s of a month at province
-- scale, on 2 cores.) The rows keep no identifier in clear: the person's and the mother's
-- pseudonyms only.
CREATE TABLE IF NOT EXISTS intermediate.events_typed_files (_source_file VARCHAR, _batch_id VARCHAR);

CREATE OR REPLACE TEMP TABLE _events_new_rows AS
WITH baseline AS (
    SELECT coalesce(max(snapshot_date), DATE '1900-01-01') AS baseline_date FROM staging.residents
),
typed AS (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        clean_text(r.event_id) AS event_id,
        read_code('events.event_type', r.event_type) AS event_type,
        clean_text(r.person_id) AS person_id_clean,
        parse_date_vn(r.event_date) AS event_date,
        parse_date_vn(r.registered_date) AS registered_date,
        clean_text(r.commune_code) AS commune_received,
        clean_text(r.from_commune_code) AS from_received,
        clean_text(r.to_commune_code) AS to_received,
        parse_sex(r.sex) AS sex,
        parse_date_vn(r.date_of_birth) AS date_of_birth,
        clean_text(r.mother_id) AS mother_id_clean,
        received_date(r._loaded_at) AS received_on,
        clean_text(r.registered_date) IS NOT NULL AND parse_date_vn(r.registered_date) IS NULL
            AS registered_date_unreadable,
        code_needed_repair('events.event_type', r.event_type) AS fix_code_spelling,
        date_needed_repair(r.event_date) OR date_needed_repair(r.registered_date)
            OR date_needed_repair(r.date_of_birth) AS fix_date_format,
        r.sex IS NOT NULL AND r.sex NOT IN ('Nam', 'Nữ') AS fix_sex_spelling,
        list_bool_or(list_transform(
            [r.event_id, r.event_type, r.commune_code, r.from_commune_code, r.to_commune_code],
            v -> v IS NOT NULL AND v IS DISTINCT FROM clean_text(v))) AS fix_text_form
    FROM raw.events r
    ANTI JOIN intermediate.events_typed_files f
        ON f._source_file = r._source_file AND f._batch_id IS NOT DISTINCT FROM r._batch_id
),
placed AS (
    -- A code read at the event date (commune_at in rules.sql; converting an old code is a repair).
    SELECT t.*,
        commune_at(lc, t.event_date) AS commune_code,
        commune_at(lf, t.event_date) AS from_in_area_code,
        commune_at(lt, t.event_date) AS to_in_area_code,
        commune_converted_at(lc, t.event_date) AS fix_old_commune_code,
        date_trunc('month', t.registered_date) > date_trunc('month', t.event_date)
            AS fix_late_registration,
        (SELECT baseline_date FROM baseline) AS baseline_date
    FROM typed t
    LEFT JOIN reference.commune_lookup lc ON lc.code = t.commune_received
    LEFT JOIN reference.commune_lookup lf ON lf.code = t.from_received
    LEFT JOIN reference.commune_lookup lt ON lt.code = t.to_received
),
row_checked AS (
    SELECT p.*,
        -- the row rules; a later copy of an event id is only a DUPLICATE (applied below)
        list_filter([
            CASE WHEN event_type IS NULL THEN 'INVALID_EVENT_TYPE' END,
            CASE WHEN (event_date IS NULL OR registered_date_unreadable)
                 THEN 'INVALID_DATE' END,
            CASE WHEN (date_out_of_range(event_date, received_on)
                  OR date_out_of_range(registered_date, received_on))
                 THEN 'DATE_OUT_OF_RANGE' END,
            CASE WHEN event_type IN ('birth', 'move_in') AND sex IS NULL
                 THEN 'INVALID_SEX' END,
            CASE WHEN event_date < baseline_date THEN 'EVENT_BEFORE_BASELINE' END,
            CASE WHEN person_id_problem(
                    person_id_clean,
                    CASE WHEN event_type IN ('birth', 'move_in') THEN sex END,
                    CASE WHEN event_type IN ('birth', 'move_in')
                          AND NOT birth_date_invalid(date_of_birth, event_date) THEN date_of_birth END
                 ) IS NOT NULL THEN 'INVALID_PERSON_ID' END,
            CASE WHEN event_type IN ('birth', 'move_in')
                  AND event_date IS NOT NULL AND birth_date_invalid(date_of_birth, event_date)
                 THEN 'INVALID_BIRTH_DATE' END,
            CASE WHEN (commune_code IS NULL
                  OR (event_type = 'internal_move'
                      AND (from_in_area_code IS NULL OR to_in_area_code IS NULL)))
                 THEN 'UNKNOWN_COMMUNE' END
        ], x -> x IS NOT NULL) AS row_reasons
    FROM placed p
),
keyed AS (
    -- each row's person and mother pseudonymised once; the identifiers in clear are not kept
    SELECT rc.* EXCLUDE (person_id_clean, mother_id_clean),
           pseudonym(rc.person_id_clean) AS person_key, pseudonym(rc.mother_id_clean) AS mother_key
    FROM row_checked rc
)
SELECT * FROM keyed;

CREATE TABLE IF NOT EXISTS intermediate.events_rows AS FROM _events_new_rows WHERE FALSE;
-- (rows of these files kept by a run stopped before it recorded the files are replaced)
DELETE FROM intermediate.events_rows k
WHERE EXISTS (SELECT 1 FROM _events_new_rows n
              WHERE n._source_file = k._source_file AND n._batch_id IS NOT DISTINCT FROM k._batch_id);
INSERT INTO intermediate.events_rows FROM _events_new_rows;
INSERT INTO intermediate.events_typed_files SELECT DISTINCT _source_file, _batch_id FROM _events_new_rows;
DROP TABLE _events_new_rows;

CREATE OR REPLACE TABLE staging._checked_events AS
WITH loaded AS (
    -- the kept rows of the files as loaded now (a withdrawn or reloaded file's earlier rows are
    -- left out)
    SELECT DISTINCT _source_file, _batch_id FROM raw.events
),
kept AS (
    SELECT k.* FROM intermediate.events_rows k
    SEMI JOIN loaded l
        ON l._source_file = k._source_file AND l._batch_id IS NOT DISTINCT FROM k._batch_id
),
copies AS (
    -- each row's copy number of its event id in file order (a window over three columns: over
    -- whole rows it took a third of this step)
    SELECT _source_file, _row_number,
           row_number() OVER (PARTITION BY event_id ORDER BY _source_file, _row_number) AS copy_number
    FROM kept
),
keyed AS MATERIALIZED (
    -- the first copy of an event id is checked; a later copy is a DUPLICATE
    SELECT k.* REPLACE (CASE WHEN c.copy_number > 1 THEN ['DUPLICATE'] ELSE k.row_reasons END
                        AS row_reasons)
    FROM kept k JOIN copies c USING (_source_file, _row_number)
),
snapshot AS (
    -- the snapshot's persons among those of the events (a semi-join, not an aggregate of the
    -- whole register)
    SELECT person_key, min(snapshot_date) - 1 AS known_from,
           bool_or(status = 'deceased') AS dead_in_snapshot
    FROM staging.residents
    WHERE person_key IN (SELECT person_key FROM keyed)
    GROUP BY person_key
),
brought_in AS (
    -- the accepted births and move-ins
    SELECT person_key, min(event_date) AS known_from
    FROM keyed WHERE len(row_reasons) = 0 AND event_type IN ('birth', 'move_in')
    GROUP BY person_key
),
deaths AS (
    -- each accepted death's number among the person's accepted deaths, by date
    SELECT _source_file, _row_number,
           row_number() OVER (PARTITION BY person_key
                              ORDER BY event_date, _source_file, _row_number) AS death_number
    FROM keyed WHERE len(row_reasons) = 0 AND event_type = 'death'
),
person_checked AS (
    -- From when a person is known: the snapshot, or the accepted birth or move-in.
    SELECT k.*,
        least(s.known_from, b.known_from) AS known_from,
        coalesce(s.dead_in_snapshot, FALSE) AS dead_in_snapshot,
        d.death_number
    FROM keyed k
    LEFT JOIN snapshot s ON s.person_key = k.person_key
    LEFT JOIN brought_in b ON b.person_key = k.person_key
    LEFT JOIN deaths d ON d._source_file = k._source_file AND d._row_number = k._row_number
)
SELECT
    event_id, event_type, person_key,
    event_date, registered_date, date_trunc('month', event_date)::DATE AS event_month,
    commune_code, commune_received AS commune_code_received,
    CASE WHEN event_type = 'move_in' THEN from_received ELSE coalesce(from_in_area_code, from_received) END
        AS from_commune_code,
    CASE WHEN event_type = 'move_out' THEN to_received ELSE coalesce(to_in_area_code, to_received) END
        AS to_commune_code,
    sex, date_of_birth, mother_key,
    fix_date_format, fix_sex_spelling, fix_text_form, FALSE AS fix_nationality_spelling,
    fix_old_commune_code, fix_late_registration, fix_code_spelling,
    _source_file, _row_number, _batch_id,
    CASE WHEN len(row_reasons) > 0 THEN row_reasons
         ELSE list_filter([
            CASE WHEN event_type NOT IN ('birth', 'move_in')
                  AND (known_from IS NULL OR event_date < known_from)
                 THEN 'UNKNOWN_PERSON' END,
            CASE WHEN event_type = 'death' AND (death_number > 1 OR dead_in_snapshot)
                 THEN 'SECOND_DEATH' END
         ], x -> x IS NOT NULL)
    END AS reason_codes
FROM person_checked;
