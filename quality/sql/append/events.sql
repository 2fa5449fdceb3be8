-- Appending a new month of population events to staging (warehouse/incremental.py,
-- stage_append): the verdicts quality/sql/stage_events.sql gives the new files' rows in a
-- staging of all loaded files, found from the new rows and the earlier rows of the same persons,
-- so that an appended staging equals a full one (tests/e2e/test_events_append.py compares
-- them). Runs after the typing part of stage_events.sql on the new files (view _batch_raw),
-- whose typed rows are in intermediate.events_rows, in place of its _checked_events.
-- An earlier row "passed the row rules" when it is staged, or quarantined for person-level
-- reasons only (UNKNOWN_PERSON, SECOND_DEATH): those are the rows the person-level rules read.

-- The new rows, a copy of an earlier id (every earlier file sorts before the new ones) or of an
-- id earlier in the new files a DUPLICATE, as is a row without an id after another one.
CREATE OR REPLACE TEMP TABLE _events_keyed AS
WITH kept AS (
    SELECT k.* FROM intermediate.events_rows k
    SEMI JOIN (SELECT DISTINCT _source_file, _batch_id FROM _batch_raw) l
        ON k._source_file = l._source_file AND k._batch_id IS NOT DISTINCT FROM l._batch_id
),

copies AS (
    SELECT
        _source_file,
        _row_number,
        row_number() OVER (PARTITION BY event_id ORDER BY _source_file, _row_number) AS copy_number
    FROM kept
),

earlier_ids AS (
    SELECT event_id FROM staging.events
    UNION ALL
    SELECT event_id FROM quarantine.events
)

SELECT
    k.* REPLACE (
        CASE
            WHEN
                c.copy_number > 1
                OR k.event_id IN (SELECT e.event_id FROM earlier_ids e)
                OR (
                    k.event_id IS NULL
                    AND EXISTS (SELECT 1 FROM earlier_ids e WHERE e.event_id IS NULL)
                )
                THEN ['DUPLICATE']
            ELSE k.row_reasons
        END AS row_reasons
    )
FROM kept k INNER JOIN copies c USING (_source_file, _row_number);

-- Every row of the new rows' persons that passed the row rules, earlier (`was`: its reason
-- codes now) and new (`was` NULL), with what the person-level rules read: from when the person
-- is known (the snapshot, or the first accepted birth or move-in), whether the snapshot has the
-- person dead, and each death's number among the person's deaths.
CREATE OR REPLACE TEMP TABLE _events_passed AS
WITH passed AS (
    SELECT _source_file, _row_number, person_key, event_type, event_date, NULL::VARCHAR[] AS was
    FROM _events_keyed
    WHERE len(row_reasons) = 0
    UNION ALL
    SELECT e._source_file, e._row_number, e.person_key, e.event_type, e.event_date, e.was
    FROM (
        SELECT
            _source_file, _row_number, person_key, event_type, event_date, []::VARCHAR[] AS was
        FROM staging.events
        UNION ALL
        SELECT _source_file, _row_number, person_key, event_type, event_date, reason_codes
        FROM quarantine.events
        WHERE list_has_all(['UNKNOWN_PERSON', 'SECOND_DEATH'], reason_codes)
    ) e
    WHERE
        e.person_key IN (SELECT k.person_key FROM _events_keyed k)
        OR (
            e.person_key IS NULL
            AND EXISTS (SELECT 1 FROM _events_keyed k WHERE k.person_key IS NULL)
        )
),

snapshot AS (
    SELECT
        person_key,
        min(snapshot_date) - 1 AS known_from,
        bool_or(status = 'deceased') AS dead_in_snapshot
    FROM staging.residents
    WHERE person_key IN (SELECT p.person_key FROM passed p)
    GROUP BY person_key
),

brought_in AS (
    SELECT person_key, min(event_date) AS known_from FROM passed
    WHERE event_type IN ('birth', 'move_in')
    GROUP BY person_key
),

deaths AS (
    SELECT
        _source_file,
        _row_number,
        row_number() OVER (
            PARTITION BY person_key ORDER BY event_date, _source_file, _row_number
        ) AS death_number
    FROM passed WHERE event_type = 'death'
)

SELECT
    p.*,
    least(s.known_from, b.known_from) AS known_from,
    coalesce(s.dead_in_snapshot, FALSE) AS dead_in_snapshot,
    d.death_number,
    -- the person-level rules of stage_events.sql
    list_filter([
        CASE
            WHEN
                p.event_type NOT IN ('birth', 'move_in')
                AND (least(s.known_from, b.known_from) IS NULL OR p.event_date < least(s.known_from, b.known_from))
                THEN 'UNKNOWN_PERSON'
        END,
        CASE
            WHEN
                p.event_type = 'death' AND (d.death_number > 1 OR coalesce(s.dead_in_snapshot, FALSE))
                THEN 'SECOND_DEATH'
        END
    ], x -> x IS NOT NULL) AS person_reasons
FROM passed p
LEFT JOIN snapshot s ON p.person_key = s.person_key
LEFT JOIN brought_in b ON p.person_key = b.person_key
LEFT JOIN deaths d ON p._source_file = d._source_file AND p._row_number = d._row_number;

-- The new rows checked, in the columns and with the reason codes of stage_events.sql.
CREATE OR REPLACE TEMP TABLE _checked_events AS
SELECT
    k.event_id,
    k.event_type,
    k.person_key,
    k.event_date,
    k.registered_date,
    date_trunc('month', k.event_date)::DATE AS event_month,
    k.commune_code,
    k.commune_received AS commune_code_received,
    CASE
        WHEN k.event_type = 'move_in' THEN k.from_received
        ELSE coalesce(k.from_in_area_code, k.from_received)
    END AS from_commune_code,
    CASE
        WHEN k.event_type = 'move_out' THEN k.to_received
        ELSE coalesce(k.to_in_area_code, k.to_received)
    END AS to_commune_code,
    k.sex,
    k.date_of_birth,
    k.mother_key,
    k.fix_date_format,
    k.fix_sex_spelling,
    k.fix_text_form,
    FALSE AS fix_nationality_spelling,
    k.fix_old_commune_code,
    k.fix_late_registration,
    k.fix_code_spelling,
    k._source_file,
    k._row_number,
    k._batch_id,
    CASE WHEN len(k.row_reasons) > 0 THEN k.row_reasons ELSE p.person_reasons END AS reason_codes
FROM _events_keyed k
LEFT JOIN _events_passed p ON k._source_file = p._source_file AND k._row_number = p._row_number;

-- The earlier rows whose verdict the new rows change (an event of a person unknown until a
-- late-registered birth or move-in, a death that a new death dated before it makes the second):
-- warehouse/incremental.stage_append moves them between staging and quarantine.
CREATE OR REPLACE TEMP TABLE _events_rechecked AS
SELECT _source_file, _row_number, was, person_reasons AS reason_codes
FROM _events_passed
WHERE was IS NOT NULL AND was <> person_reasons;

DROP TABLE _events_keyed;
DROP TABLE _events_passed;
