-- Staging of the residents snapshot: typed, cleaned, pseudonymised; every row gets its reject
-- reasons (empty list = accepted). The Python side splits the result into staging.residents and
-- quarantine.residents. Rules are the macros of quality/rules.sql.
CREATE OR REPLACE TEMP TABLE _checked AS
WITH latest AS (
    SELECT max(strptime(regexp_extract(_source_file, '(\d{4}-\d{2}-\d{2})', 1), '%Y-%m-%d'))::DATE AS snapshot_date
    FROM raw.residents
),
typed AS (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        strptime(regexp_extract(r._source_file, '(\d{4}-\d{2}-\d{2})', 1), '%Y-%m-%d')::DATE AS snapshot_date,
        clean_text(r.person_id) AS person_id_clean,
        parse_sex(r.sex) AS sex,
        parse_date_vn(r.date_of_birth) AS date_of_birth,
        clean_text(r.ethnicity_code) AS ethnicity_code,
        clean_text(r.religion) AS religion,
        parse_nationality(r.nationality) AS nationality,
        clean_text(r.household_id) AS household_id_clean,
        lower(clean_text(r.relation_to_head)) AS relation_to_head,
        lower(clean_text(r.marital_status)) AS marital_status,
        clean_text(r.education_level) AS education_level,
        clean_text(r.commune_code) AS commune_code_received,
        lower(clean_text(r.residence_type)) AS residence_type,
        lower(clean_text(r.status)) AS status,
        -- repair flags (quality figures)
        date_needed_repair(r.date_of_birth) AS fix_date_format,
        r.sex IS NOT NULL AND r.sex NOT IN ('Nam', 'Nữ') AS fix_sex_spelling,
        list_bool_or(list_transform(
            [r.full_name, r.ethnicity_code, r.religion, r.household_id, r.relation_to_head,
             r.marital_status, r.education_level, r.commune_code, r.residence_type, r.status],
            v -> v IS NOT NULL AND v IS DISTINCT FROM clean_text(v))) AS fix_text_form,
        r.nationality IS NOT NULL AND r.nationality <> 'VNM'
            AND parse_nationality(r.nationality) = 'VNM' AS fix_nationality_spelling,
        row_number() OVER (PARTITION BY clean_text(r.person_id), r._source_file
                           ORDER BY r._row_number) AS copy_number
    FROM raw.residents r
),
placed AS (
    SELECT t.*,
           l.successor_code AS commune_code,
           l.code IS NULL AS commune_unknown
    FROM typed t
    LEFT JOIN reference.commune_lookup l ON l.code = t.commune_code_received
)
SELECT
    pseudonym(person_id_clean) AS person_key,
    sex, date_of_birth, year(date_of_birth) AS birth_year,
    ethnicity_code, religion, nationality,
    pseudonym(household_id_clean) AS household_key,
    relation_to_head, marital_status, education_level,
    commune_code, commune_code_received,
    residence_type, status, snapshot_date,
    fix_date_format, fix_sex_spelling, fix_text_form, fix_nationality_spelling,
    FALSE AS fix_old_commune_code,
    _source_file, _row_number, _batch_id,
    list_filter([
        CASE WHEN snapshot_date < (SELECT snapshot_date FROM latest) THEN 'SUPERSEDED_SNAPSHOT' END,
        CASE WHEN copy_number > 1 THEN 'DUPLICATE' END,
        CASE WHEN copy_number = 1 AND birth_date_invalid(date_of_birth, snapshot_date)
             THEN 'INVALID_BIRTH_DATE' END,
        CASE WHEN copy_number = 1 AND person_id_problem(
                person_id_clean, sex,
                CASE WHEN NOT birth_date_invalid(date_of_birth, snapshot_date) THEN date_of_birth END
             ) IS NOT NULL THEN 'INVALID_PERSON_ID' END,
        CASE WHEN copy_number = 1 AND commune_unknown THEN 'UNKNOWN_COMMUNE' END,
        CASE WHEN copy_number = 1 AND sex IS NULL THEN 'INVALID_SEX' END
    ], x -> x IS NOT NULL) AS reason_codes,
    CASE WHEN copy_number = 1 THEN person_id_problem(
        person_id_clean, sex,
        CASE WHEN NOT birth_date_invalid(date_of_birth, snapshot_date) THEN date_of_birth END) END
        AS id_problem
FROM placed;
