-- Staging of the yearly labour-market register extracts (all loaded years at once).
-- One row per raw row in staging._checked_labour_status: typed, pseudonymised, linked to the population register
-- through the pseudonym, with reject reasons (empty = accepted) and repair flags.
--
-- Linkage: intermediate.person_attributes (sex and birth date of every person the register knows: the
-- snapshot plus accepted births and move-ins) and intermediate.person_states (residence over time),
-- both built by the population_timeline asset. The register wins on sex and age; a labour
-- record disagreeing with it is kept and counted (quality figure). The residence commune on
-- the reference date comes from the register (labour marts are by area of residence).
--
-- Reject reasons, first applicable only (one reason per row, checked in this order):
--   INVALID_PERSON_ID (structure only: the extract's own sex and birth date are not trusted),
--   DUPLICATE (second record of an ID in the same yearly file), INVALID_DATE (reference date
--   unreadable or outside the file's year), UNKNOWN_PERSON (not living in the area at any
--   moment of the reference date by the register: neither at 00:00 nor at its end), UNDER_15 (register age), INVALID_EMPLOYMENT_STATUS,
--   CONTRADICTORY_STATUS (over 100 usual hours a week, or hours for a person not employed).
-- Repairs: status fields of a person not employed set NULL (the status decides: meaning
-- certain); boolean, code and date spellings; old workplace commune codes from 1 July 2025.
-- Coded fields are read by the contract's code lists (read_code). A status in employment,
-- section, occupation or boolean given but unreadable is kept as unknown (NULL) and counted
-- (fix_unknown_*; the quality suite warns): never read as another code.
CREATE OR REPLACE TEMP TABLE _labour_typed AS
WITH vocabulary AS (
    -- coded fields take few distinct values: each value is read once by its code list
    SELECT list_name, v, read_code(list_name, v) AS code,
           code_needed_repair(list_name, v) AS respelled, code_unreadable(list_name, v) AS unknown,
           parse_bool_vn(v) AS flag, bool_needed_repair(v) AS bool_respelled,
           bool_unreadable(v) AS bool_unknown
    FROM (
        SELECT 'labour_status.employment_status' AS list_name, employment_status AS v
        FROM raw.labour_status
        UNION SELECT 'labour_status.status_in_employment', status_in_employment FROM raw.labour_status
        UNION SELECT 'labour_status.vsic_section', vsic_section FROM raw.labour_status
        UNION SELECT 'labour_status.occupation_code', occupation_code FROM raw.labour_status
        UNION SELECT 'bool', has_social_insurance FROM raw.labour_status
        UNION SELECT 'bool', has_labour_contract FROM raw.labour_status
        UNION SELECT 'bool', in_education FROM raw.labour_status
        UNION SELECT 'sex', sex FROM raw.labour_status
    ) WHERE v IS NOT NULL
),
typed AS (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        TRY_CAST(regexp_extract(r._source_file, 'labour_status_(\d{4})', 1) AS INTEGER) AS file_year,
        clean_text(r.person_id) AS person_id_clean,
        parse_date_vn(r.reference_date) AS ref_date,
        sx.code AS sex_recorded,
        parse_date_vn(r.date_of_birth) AS date_of_birth_recorded,
        es.code AS employment_status,
        se.code AS status_in_employment_received,
        vs.code AS vsic_section_received,
        oc.code AS occupation_code_received,
        coalesce(se.unknown, FALSE) AS status_in_employment_unreadable,
        coalesce(vs.unknown, FALSE) AS vsic_unreadable,
        coalesce(oc.unknown, FALSE) AS occupation_unreadable,
        coalesce(si.bool_unknown, FALSE) OR coalesce(lc.bool_unknown, FALSE)
            OR coalesce(ed.bool_unknown, FALSE) AS fix_unknown_bool,
        coalesce(sx.unknown, FALSE) AS fix_unknown_sex,
        coalesce(es.respelled, FALSE) OR coalesce(se.respelled, FALSE)
            OR coalesce(vs.respelled, FALSE) OR coalesce(oc.respelled, FALSE) AS fix_code_spelling,
        si.flag AS has_social_insurance,
        lc.flag AS has_labour_contract,
        parse_number_vn(r.hours_per_week) AS hours_per_week,
        clean_text(r.hours_per_week) IS NOT NULL AND parse_number_vn(r.hours_per_week) IS NULL
            AS hours_unreadable,
        ed.flag AS in_education,
        clean_text(r.workplace_commune_code) AS workplace_received,
        -- date cells arrive as 'YYYY-MM-DD 00:00:00', text as dd/mm/yyyy: both are the convention
        r.reference_date IS NOT NULL
            AND NOT regexp_full_match(r.reference_date, '\d{2}/\d{2}/\d{4}')
            AND NOT regexp_full_match(r.reference_date, '\d{4}-\d{2}-\d{2} 00:00:00')
            AS fix_date_format,
        coalesce(si.bool_respelled, FALSE) OR coalesce(lc.bool_respelled, FALSE)
            OR coalesce(ed.bool_respelled, FALSE) AS fix_bool_spelling
    FROM raw.labour_status r
    LEFT JOIN vocabulary sx ON sx.list_name = 'sex' AND sx.v = r.sex
    LEFT JOIN vocabulary es ON es.list_name = 'labour_status.employment_status' AND es.v = r.employment_status
    LEFT JOIN vocabulary se
        ON se.list_name = 'labour_status.status_in_employment' AND se.v = r.status_in_employment
    LEFT JOIN vocabulary vs ON vs.list_name = 'labour_status.vsic_section' AND vs.v = r.vsic_section
    LEFT JOIN vocabulary oc
        ON oc.list_name = 'labour_status.occupation_code' AND oc.v = r.occupation_code
    LEFT JOIN vocabulary si ON si.list_name = 'bool' AND si.v = r.has_social_insurance
    LEFT JOIN vocabulary lc ON lc.list_name = 'bool' AND lc.v = r.has_labour_contract
    LEFT JOIN vocabulary ed ON ed.list_name = 'bool' AND ed.v = r.in_education
)
SELECT * FROM typed;

-- The first record of an ID in each yearly file, for the IDs recorded more than once only (an
-- aggregate on the repeated keys, joined back: a row_number() window over every ID cost more).
CREATE OR REPLACE TEMP TABLE _labour_first_copy AS
    SELECT person_id_clean, _source_file, min(_row_number) AS first_row
    FROM _labour_typed GROUP BY ALL HAVING count(*) > 1;

-- Each distinct ID pseudonymised once (the keyed HMAC is a Python function, one call per value).
CREATE OR REPLACE TEMP TABLE _labour_keys AS
    SELECT person_id_clean, pseudonym(person_id_clean) AS person_key
    FROM (SELECT DISTINCT person_id_clean FROM _labour_typed WHERE person_id_clean IS NOT NULL);

CREATE OR REPLACE TABLE staging._checked_labour_status AS
WITH keyed AS (
    SELECT t.*, k.person_key,
           person_id_problem(t.person_id_clean, NULL::VARCHAR, NULL::DATE) AS id_problem,
           CASE WHEN f.first_row IS NOT NULL AND f.first_row <> t._row_number THEN 2 ELSE 1 END
               AS copy_number
    FROM _labour_typed t
    LEFT JOIN _labour_keys k ON k.person_id_clean = t.person_id_clean
    LEFT JOIN _labour_first_copy f
        ON f.person_id_clean IS NOT DISTINCT FROM t.person_id_clean AND f._source_file = t._source_file
),
lookups AS (
    SELECT DISTINCT person_key, ref_date FROM keyed
    WHERE id_problem IS NULL AND copy_number = 1 AND ref_date IS NOT NULL
),
residence AS (
    -- The record is the person's when the person lives in the area at some moment of the
    -- reference date: at 00:00 (the population stock's convention; so a death or move-out that
    -- day still finds the person), or else at the end of the day (a birth or move-in that day).
    -- The commune is the one at 00:00, for a person arriving that day the one at the end of it.
    -- Same-day order is arrivals, moves, departures (step), so a day's last state wins.
    SELECT l.person_key, l.ref_date,
           coalesce(
               arg_max_null(s.commune_code, (s.valid_from, s.step, s.source_file, s.row_number))
                   FILTER (WHERE s.valid_from < l.ref_date),
               arg_max_null(s.commune_code, (s.valid_from, s.step, s.source_file, s.row_number))
           ) AS commune_code
    FROM lookups l
    JOIN intermediate.person_states s ON s.person_key = l.person_key AND s.valid_from <= l.ref_date
    GROUP BY ALL
),
linked AS (
    SELECT k.*, res.commune_code, a.sex, a.date_of_birth,
           age_on(a.date_of_birth, k.ref_date) AS age,
           commune_at(w, k.ref_date) AS workplace_in_area
    FROM keyed k
    LEFT JOIN residence res ON res.person_key = k.person_key AND res.ref_date = k.ref_date
    LEFT JOIN staging.persons a ON a.person_key = k.person_key
    LEFT JOIN reference.commune_lookup w ON w.code = k.workplace_received
),
reasoned AS (
    SELECT l.*,
        CASE
            WHEN id_problem IS NOT NULL THEN 'INVALID_PERSON_ID'
            WHEN copy_number > 1 THEN 'DUPLICATE'
            WHEN ref_date IS NULL OR year(ref_date) <> file_year THEN 'INVALID_DATE'
            WHEN commune_code IS NULL THEN 'UNKNOWN_PERSON'
            WHEN age < 15 THEN 'UNDER_15'
            WHEN employment_status IS NULL THEN 'INVALID_EMPLOYMENT_STATUS'
            WHEN hours_unreadable THEN 'INVALID_HOURS'
            WHEN hours_per_week > 100
                 OR (employment_status <> 'employed' AND hours_per_week > 0)
                THEN 'CONTRADICTORY_STATUS'
        END AS reason,
        employment_status = 'employed' AS is_employed
    FROM linked l
)
SELECT
    person_key,
    -- the person's record key (cell key method): the same key as in the population marts
    record_key('person|' || person_key) AS record_key,
    ref_date, year(ref_date) AS year, file_year,
    sex, age, labour_age_band(age) AS age_band,
    commune_code,
    employment_status,
    CASE WHEN is_employed THEN status_in_employment_received END AS status_in_employment,
    CASE WHEN is_employed THEN vsic_section_received END AS vsic_section,
    CASE WHEN is_employed THEN vsic_broad_sector(vsic_section_received) END AS broad_sector,
    CASE WHEN is_employed THEN occupation_code_received END AS occupation_code,
    has_social_insurance, has_labour_contract,
    hours_per_week, in_education,
    CASE WHEN is_employed THEN workplace_in_area END AS workplace_commune_code,
    CASE WHEN is_employed THEN workplace_received END AS workplace_code_received,
    is_informal(employment_status,
                CASE WHEN is_employed THEN status_in_employment_received END,
                has_social_insurance) AS informal,
    -- repairs and quality figures
    fix_date_format, fix_bool_spelling, fix_code_spelling, fix_unknown_bool, fix_unknown_sex,
    coalesce(is_employed AND status_in_employment_unreadable, FALSE)
        AS fix_unknown_status_in_employment,
    coalesce(is_employed AND vsic_unreadable, FALSE) AS fix_unknown_vsic_section,
    coalesce(is_employed AND occupation_unreadable, FALSE) AS fix_unknown_occupation_code,
    coalesce(NOT is_employed AND (status_in_employment_received IS NOT NULL
             OR vsic_section_received IS NOT NULL OR occupation_code_received IS NOT NULL
             OR status_in_employment_unreadable OR vsic_unreadable OR occupation_unreadable
             OR workplace_received IS NOT NULL), FALSE) AS fix_status_fields_cleared,
    coalesce(is_employed AND ref_date >= reform_date() AND workplace_in_area IS NOT NULL
             AND workplace_in_area <> workplace_received, FALSE) AS fix_old_commune_code,
    coalesce(is_employed AND workplace_received IS NOT NULL AND workplace_in_area IS NULL, FALSE)
        AS fix_workplace_outside_area,
    coalesce(sex_recorded IS NOT NULL AND sex IS NOT NULL AND sex_recorded <> sex, FALSE)
        AS fix_sex_differs_from_register,
    coalesce(date_of_birth_recorded IS NOT NULL AND date_of_birth IS NOT NULL
             AND date_of_birth_recorded <> date_of_birth, FALSE) AS fix_birth_date_differs_from_register,
    _source_file, _row_number, _batch_id,
    CASE WHEN reason IS NULL THEN []::VARCHAR[] ELSE [reason] END AS reason_codes
FROM reasoned;
DROP TABLE _labour_typed; DROP TABLE _labour_first_copy; DROP TABLE _labour_keys;
