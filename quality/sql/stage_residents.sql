-- Staging of the residents snapshot: typed, cleaned, pseudonymised; every row gets its reject
-- reasons (empty list = accepted). The Python side splits the result into staging.residents and
-- quarantine.residents. Rules are the macros of quality/rules.sql; each is evaluated once per
-- row (or once per distinct value for the low-cardinality text columns, see `vocabulary`).
-- Coded columns are read by the contract's code lists (read_code): status decides whether a
-- person counts, so an unreadable status is rejected (INVALID_RESIDENT_STATUS); relation to
-- the head, marital status, education level and residence type count in no mart, so an
-- unreadable value is kept as unknown (NULL) and counted (fix_unknown_*; the quality suite
-- warns).
CREATE OR REPLACE TABLE staging._checked_residents AS
WITH snapshots AS (
    SELECT DISTINCT _source_file,
           TRY_CAST(try_strptime(regexp_extract(_source_file, '(\d{4}-\d{2}-\d{2})', 1), '%Y-%m-%d') AS DATE) AS snapshot_date
    FROM raw.residents
),
vocabulary AS (
    -- Code-list and free-text columns take few distinct values: clean each value once.
    SELECT v, clean_text(v) AS cleaned, parse_sex(v) AS sex, parse_nationality(v) AS nationality,
           read_code('residents.relation_to_head', v) AS relation_to_head,
           read_code('residents.marital_status', v) AS marital_status,
           read_code('residents.education_level', v) AS education_level,
           read_code('residents.residence_type', v) AS residence_type,
           read_code('residents.status', v) AS status
    FROM (
        SELECT sex AS v FROM raw.residents UNION SELECT ethnicity_code FROM raw.residents
        UNION SELECT religion FROM raw.residents UNION SELECT nationality FROM raw.residents
        UNION SELECT relation_to_head FROM raw.residents UNION SELECT marital_status FROM raw.residents
        UNION SELECT education_level FROM raw.residents UNION SELECT residence_type FROM raw.residents
        UNION SELECT status FROM raw.residents
    ) WHERE v IS NOT NULL
),
typed AS (
    SELECT
        r._source_file, r._row_number, r._batch_id, sn.snapshot_date,
        clean_code(r.person_id) AS person_id_clean,
        sx.sex,
        parse_date_vn(r.date_of_birth) AS date_of_birth,
        et.cleaned AS ethnicity_code,
        rl.cleaned AS religion,
        na.nationality,
        clean_code(r.household_id) AS household_id_clean,
        rh.relation_to_head,
        ms.marital_status,
        ed.education_level,
        clean_code(r.commune_code) AS commune_code_received,
        rt.residence_type,
        st.status,
        -- repair flags (quality figures)
        date_needed_repair(r.date_of_birth) AS fix_date_format,
        r.sex IS NOT NULL AND r.sex NOT IN ('Nam', 'Nữ') AS fix_sex_spelling,
        (r.full_name IS NOT NULL AND (r.full_name <> trim(r.full_name)
            OR contains(r.full_name, '  ') OR nfc_normalize(r.full_name) <> r.full_name
            OR regexp_matches(r.full_name, '[\x00-\x1f\x7f]')))
        OR (r.religion IS DISTINCT FROM rl.cleaned) OR (r.ethnicity_code IS DISTINCT FROM et.cleaned)
        OR (r.relation_to_head IS DISTINCT FROM rh.cleaned) OR (r.marital_status IS DISTINCT FROM ms.cleaned)
        OR (r.education_level IS DISTINCT FROM ed.cleaned) OR (r.residence_type IS DISTINCT FROM rt.cleaned)
        OR (r.status IS DISTINCT FROM st.cleaned)
        OR (r.household_id IS DISTINCT FROM trim(r.household_id))
        OR (r.commune_code IS DISTINCT FROM trim(r.commune_code)) AS fix_text_form,
        r.nationality IS NOT NULL AND r.nationality <> 'VNM' AND na.nationality = 'VNM'
            AS fix_nationality_spelling,
        -- a code written as its label or another spelling (NFC and blanks are text_form)
        coalesce(rh.cleaned <> rh.relation_to_head OR ms.cleaned <> ms.marital_status
                 OR ed.cleaned <> ed.education_level OR rt.cleaned <> rt.residence_type
                 OR st.cleaned <> st.status, FALSE) AS fix_code_spelling,
        rh.cleaned IS NOT NULL AND rh.relation_to_head IS NULL AS fix_unknown_relation_to_head,
        ms.cleaned IS NOT NULL AND ms.marital_status IS NULL AS fix_unknown_marital_status,
        ed.cleaned IS NOT NULL AND ed.education_level IS NULL AS fix_unknown_education_level,
        rt.cleaned IS NOT NULL AND rt.residence_type IS NULL AS fix_unknown_residence_type
    FROM raw.residents r
    JOIN snapshots sn USING (_source_file)
    LEFT JOIN vocabulary sx ON sx.v = r.sex
    LEFT JOIN vocabulary et ON et.v = r.ethnicity_code
    LEFT JOIN vocabulary rl ON rl.v = r.religion
    LEFT JOIN vocabulary na ON na.v = r.nationality
    LEFT JOIN vocabulary rh ON rh.v = r.relation_to_head
    LEFT JOIN vocabulary ms ON ms.v = r.marital_status
    LEFT JOIN vocabulary ed ON ed.v = r.education_level
    LEFT JOIN vocabulary rt ON rt.v = r.residence_type
    LEFT JOIN vocabulary st ON st.v = r.status
),
households AS (
    -- a household number is shared by its members: pseudonymise each number once
    SELECT household_id_clean, pseudonym(household_id_clean) AS household_key
    FROM (SELECT DISTINCT household_id_clean FROM typed)
),
first_copies AS (
    -- the first row of each person in each file (an aggregate: much cheaper than a window here)
    SELECT person_id_clean, _source_file, min(_row_number) AS first_row
    FROM typed GROUP BY ALL
),
checked AS (
    SELECT t.*,
        l.successor_code AS commune_code,
        l.code IS NULL AS commune_unknown,
        h.household_key,
        CASE WHEN t._row_number = f.first_row THEN 1 ELSE 2 END AS copy_number,
        birth_date_invalid(t.date_of_birth, t.snapshot_date) AS birth_date_bad,
        -- the ID is checked against the birth date only when that date is plausible
        person_id_problem(t.person_id_clean, t.sex,
            CASE WHEN NOT birth_date_invalid(t.date_of_birth, t.snapshot_date) THEN t.date_of_birth END)
            AS id_problem
    FROM typed t
    LEFT JOIN reference.commune_lookup l ON l.code = t.commune_code_received
    LEFT JOIN first_copies f
        ON f.person_id_clean IS NOT DISTINCT FROM t.person_id_clean AND f._source_file = t._source_file
    LEFT JOIN households h ON h.household_id_clean = t.household_id_clean
),
staged AS (
SELECT
    pseudonym(person_id_clean) AS person_key,
    sex, date_of_birth, year(date_of_birth) AS birth_year,
    ethnicity_code, religion, nationality,
    household_key,
    relation_to_head, marital_status, education_level,
    commune_code, commune_code_received,
    residence_type, status, snapshot_date,
    fix_date_format, fix_sex_spelling, fix_text_form, fix_nationality_spelling, fix_code_spelling,
    fix_unknown_relation_to_head, fix_unknown_marital_status, fix_unknown_education_level,
    fix_unknown_residence_type,
    _source_file, _row_number, _batch_id,
    list_filter([
        CASE WHEN snapshot_date < (SELECT max(snapshot_date) FROM snapshots) THEN 'SUPERSEDED_SNAPSHOT' END,
        CASE WHEN copy_number > 1 THEN 'DUPLICATE' END,
        CASE WHEN copy_number = 1 AND birth_date_bad THEN 'INVALID_BIRTH_DATE' END,
        CASE WHEN copy_number = 1 AND id_problem IS NOT NULL THEN 'INVALID_PERSON_ID' END,
        CASE WHEN copy_number = 1 AND commune_unknown THEN 'UNKNOWN_COMMUNE' END,
        CASE WHEN copy_number = 1 AND sex IS NULL THEN 'INVALID_SEX' END,
        CASE WHEN copy_number = 1 AND status IS NULL THEN 'INVALID_RESIDENT_STATUS' END
    ], x -> x IS NOT NULL) AS reason_codes,
    CASE WHEN copy_number = 1 THEN id_problem END AS id_problem
FROM checked
)
-- the person's and the household's record keys (cell key method, protection/cellkey.py), kept
-- here because the snapshot changes far less often than the timeline that reads them
SELECT *, record_key('person|' || person_key) AS rk,
       record_key('household|' || household_key) AS hh_rk
FROM staged;

-- The marts tell households apart by their record keys (integers: faster to group by than the
-- pseudonyms). Two household numbers whose keys coincide (a chance of about 1 in 10^8 for a
-- province's 500,000 households) would be counted as one household: staging stops instead.
SELECT error('two household numbers of the residents extract got the same 64-bit record key (a '
             || 'chance of about one in 10^8): the marts would count them as one household. '
             || 'Run the pipeline with a new pseudonym key (' || 'python -m dagster_project.run '
             || '--rebuild-for-new-key) to draw new keys.')
FROM (SELECT hh_rk FROM staging._checked_residents WHERE hh_rk IS NOT NULL
      GROUP BY hh_rk HAVING count(DISTINCT household_key) > 1);
