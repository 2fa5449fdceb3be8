-- Appending a new month of population events to staging (warehouse/incremental.py,
-- stage_append): the verdicts quality/sql/stage_events.sql gives the new files' rows in a
-- staging of all loaded files, found from the new rows and the earlier rows of the same persons,
-- so that an appended staging equals a full one (tests/assets/test_events_append.py compares
-- them). Runs after the typing part of stage_events.sql on the new files (view _batch_raw),
-- whose typed rows are in intermediate.events_rows, in place of its _checked_events.
-- An earlier row "passed the row rules" when it is staged, or quarantined for person-level
-- reasons only (UNKNOWN_PERSON, SECOND_DEATH): those are the rows the person-level rules read.
CREATE OR REPLACE TEMP TABLE _checked_events AS
WITH loaded AS (
    SELECT DISTINCT _source_file, _batch_id FROM _batch_raw
),

kept AS (
    SELECT k.* FROM intermediate.events_rows k
    SEMI JOIN loaded l
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
    -- the ids of earlier rows (every earlier file sorts before the new ones): a copy of one of
    -- them is a DUPLICATE, as is a row without an id when an earlier row has none
    SELECT event_id FROM staging.events
    UNION ALL
    SELECT event_id FROM quarantine.events
),

keyed AS MATERIALIZED (
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
    FROM kept k INNER JOIN copies c USING (_source_file, _row_number)
),

earlier AS (
    -- the earlier rows of the new rows' persons that passed the row rules
    SELECT person_key, event_type, event_date, _source_file, _row_number
    FROM (
        SELECT person_key, event_type, event_date, _source_file, _row_number
        FROM staging.events
        UNION ALL
        SELECT person_key, event_type, event_date, _source_file, _row_number
        FROM quarantine.events
        WHERE list_has_all(['UNKNOWN_PERSON', 'SECOND_DEATH'], reason_codes)
    ) e
    WHERE
        e.person_key IN (SELECT k.person_key FROM keyed k)
        OR (e.person_key IS NULL AND EXISTS (SELECT 1 FROM keyed k WHERE k.person_key IS NULL))
),

snapshot AS (
    SELECT
        person_key,
        min(snapshot_date) - 1 AS known_from,
        bool_or(status = 'deceased') AS dead_in_snapshot
    FROM staging.residents
    WHERE person_key IN (SELECT k.person_key FROM keyed k)
    GROUP BY person_key
),

brought_in AS (
    -- the accepted births and move-ins, earlier and new
    SELECT person_key, min(event_date) AS known_from
    FROM (
        SELECT person_key, event_date FROM keyed
        WHERE len(row_reasons) = 0 AND event_type IN ('birth', 'move_in')
        UNION ALL
        SELECT person_key, event_date FROM earlier
        WHERE event_type IN ('birth', 'move_in')
    ) b
    GROUP BY person_key
),

deaths AS (
    -- each death's number among the person's deaths that passed the row rules, earlier and new
    SELECT
        _source_file,
        _row_number,
        row_number() OVER (
            PARTITION BY person_key ORDER BY event_date, _source_file, _row_number
        ) AS death_number
    FROM (
        SELECT person_key, event_date, _source_file, _row_number FROM keyed
        WHERE len(row_reasons) = 0 AND event_type = 'death'
        UNION ALL
        SELECT person_key, event_date, _source_file, _row_number FROM earlier
        WHERE event_type = 'death'
    ) d
),

person_checked AS (
    SELECT
        k.*,
        least(s.known_from, b.known_from) AS known_from,
        coalesce(s.dead_in_snapshot, FALSE) AS dead_in_snapshot,
        d.death_number
    FROM keyed k
    LEFT JOIN snapshot s ON k.person_key = s.person_key
    LEFT JOIN brought_in b ON k.person_key = b.person_key
    LEFT JOIN deaths d ON k._source_file = d._source_file AND k._row_number = d._row_number
)

SELECT
    event_id,
    event_type,
    person_key,
    event_date,
    registered_date,
    date_trunc('month', event_date)::DATE AS event_month,
    commune_code,
    commune_received AS commune_code_received,
    CASE
        WHEN event_type = 'move_in' THEN from_received ELSE coalesce(from_in_area_code, from_received)
    END AS from_commune_code,
    CASE
        WHEN event_type = 'move_out' THEN to_received ELSE coalesce(to_in_area_code, to_received)
    END AS to_commune_code,
    sex,
    date_of_birth,
    mother_key,
    fix_date_format,
    fix_sex_spelling,
    fix_text_form,
    FALSE AS fix_nationality_spelling,
    fix_old_commune_code,
    fix_late_registration,
    fix_code_spelling,
    _source_file,
    _row_number,
    _batch_id,
    CASE
        WHEN len(row_reasons) > 0 THEN row_reasons
        ELSE list_filter([
            CASE
                WHEN
                    event_type NOT IN ('birth', 'move_in')
                    AND (known_from IS NULL OR event_date < known_from)
                    THEN 'UNKNOWN_PERSON'
            END,
            CASE WHEN event_type = 'death' AND (death_number > 1 OR dead_in_snapshot) THEN 'SECOND_DEATH' END
        ], x -> x IS NOT NULL)
    END AS reason_codes
FROM person_checked;

-- The earlier rows whose verdict the new rows change: an earlier event of a person unknown until
-- a new birth or move-in dated on or before it (a late registration), an earlier death that a
-- new death dated before it makes the person's second. Their person-level verdicts are those of
-- stage_events.sql over every row of their persons, earlier and new (the row rules and
-- duplicates are the row's own); warehouse/incremental.stage_append moves them between staging
-- and quarantine.
CREATE OR REPLACE TEMP TABLE _events_rechecked AS
WITH persons AS (
    SELECT DISTINCT person_key FROM _checked_events
    WHERE person_key IS NOT NULL AND list_has_all(['UNKNOWN_PERSON', 'SECOND_DEATH'], reason_codes)
),

earlier AS (
    SELECT _source_file, _row_number, person_key, event_type, event_date, [] AS reason_codes
    FROM staging.events
    WHERE person_key IN (SELECT p.person_key FROM persons p)
    UNION ALL
    SELECT _source_file, _row_number, person_key, event_type, event_date, reason_codes
    FROM quarantine.events
    WHERE
        person_key IN (SELECT p.person_key FROM persons p)
        AND list_has_all(['UNKNOWN_PERSON', 'SECOND_DEATH'], reason_codes)
),

passed AS (
    -- every row of these persons that passed the row rules, earlier and new
    SELECT _source_file, _row_number, person_key, event_type, event_date FROM earlier
    UNION ALL
    SELECT _source_file, _row_number, person_key, event_type, event_date FROM _checked_events
    WHERE
        person_key IN (SELECT p.person_key FROM persons p)
        AND list_has_all(['UNKNOWN_PERSON', 'SECOND_DEATH'], reason_codes)
),

snapshot AS (
    SELECT
        person_key,
        min(snapshot_date) - 1 AS known_from,
        bool_or(status = 'deceased') AS dead_in_snapshot
    FROM staging.residents
    WHERE person_key IN (SELECT p.person_key FROM persons p)
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
),

verdicts AS (
    SELECT
        e._source_file,
        e._row_number,
        e.reason_codes AS was,
        list_filter([
            CASE
                WHEN
                    e.event_type NOT IN ('birth', 'move_in')
                    AND (least(s.known_from, b.known_from) IS NULL OR e.event_date < least(s.known_from, b.known_from))
                    THEN 'UNKNOWN_PERSON'
            END,
            CASE
                WHEN
                    e.event_type = 'death' AND (d.death_number > 1 OR coalesce(s.dead_in_snapshot, FALSE))
                    THEN 'SECOND_DEATH'
            END
        ], x -> x IS NOT NULL) AS reason_codes
    FROM earlier e
    LEFT JOIN snapshot s ON e.person_key = s.person_key
    LEFT JOIN brought_in b ON e.person_key = b.person_key
    LEFT JOIN deaths d ON e._source_file = d._source_file AND e._row_number = d._row_number
)

SELECT _source_file, _row_number, was, reason_codes FROM verdicts
WHERE was <> reason_codes;
