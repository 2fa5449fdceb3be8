-- Staging of the police incident log (all loaded months at once; a duplicate may arrive in a
-- later month's file). One row per raw row in staging._checked_incidents; reason_codes empty = accepted.
-- Rules: DUPLICATE (second and later copies of an incident_id, in file order), INVALID_DATE
-- (occurred_at or reported_at missing or unreadable), OCCURRED_AFTER_REPORTED,
-- UNKNOWN_COMMUNE (code read at the occurrence date, as in stage_events.sql).
-- Kept and counted: an article missing from reference.penal_code_iccs goes to ICCS section 11
-- (fix_unknown_article); an old commune code after 1 July 2025 is converted
-- (fix_old_commune_code); an unknown status is kept as not cleared (fix_unknown_status; the
-- quality suite warns on any). The status is read by the contract's code list ('Đang điều tra',
-- 'Đã làm rõ' are spellings of under_investigation and cleared). DATE_OUT_OF_RANGE: a time
-- after the day the file was received or more than 120 years before it.
CREATE OR REPLACE TABLE staging._checked_incidents AS
WITH vocabulary AS MATERIALIZED (
    -- the status takes few distinct values: each is read once
    SELECT v, read_code('incidents.status', v) AS code,
           code_needed_repair('incidents.status', v) AS respelled
    FROM (SELECT DISTINCT status AS v FROM raw.incidents) WHERE v IS NOT NULL
),
typed AS MATERIALIZED (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        clean_text(r.incident_id) AS incident_id,
        parse_timestamp_vn(r.occurred_at) AS occurred_at,
        parse_timestamp_vn(r.reported_at) AS reported_at,
        parse_timestamp_vn(r.cleared_at) AS cleared_at,
        clean_text(r.commune_code) AS commune_received,
        upper(replace(coalesce(clean_text(r.category_code), 'KHAC'), ' ', '')) AS category_code,
        st.code AS status_received,
        coalesce(st.respelled, FALSE) AS fix_code_spelling,
        received_date(r._loaded_at) AS received_on,
        TRY_CAST(parse_number_vn(r.persons_involved) AS INTEGER) AS persons_involved,
        clean_text(r.persons_involved) IS NOT NULL
            AND TRY_CAST(parse_number_vn(r.persons_involved) AS INTEGER) IS NULL
            AS fix_unreadable_persons_involved,
        (r.occurred_at IS NOT NULL AND NOT regexp_full_match(r.occurred_at, '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}'))
            OR (r.reported_at IS NOT NULL AND NOT regexp_full_match(r.reported_at, '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}'))
            AS fix_timestamp_format,
        (r.commune_code IS DISTINCT FROM trim(r.commune_code)) AS fix_text_form,
        row_number() OVER (PARTITION BY clean_text(r.incident_id)
                           ORDER BY r._source_file, r._row_number) AS copy_number
    FROM raw.incidents r
    LEFT JOIN vocabulary st ON st.v = r.status
),
placed AS (
    SELECT t.*,
        commune_at(lc, t.occurred_at) AS commune_code,
        commune_converted_at(lc, t.occurred_at) AS fix_old_commune_code,
        p.category_code IS NULL AS fix_unknown_article,
        p.name_vi AS category_name,
        coalesce(p.iccs_section, '11') AS iccs_section,
        t.status_received IS NULL AS fix_unknown_status
    FROM typed t
    LEFT JOIN reference.commune_lookup lc ON lc.code = t.commune_received
    LEFT JOIN reference.penal_code_iccs p ON p.category_code = t.category_code
)
SELECT
    incident_id,
    -- the incident's record key (cell key method)
    record_key('incident|' || incident_id) AS record_key,
    occurred_at, reported_at,
    date_trunc('month', occurred_at)::DATE AS occurred_month,
    commune_code, commune_received AS commune_code_received,
    category_code, category_name, iccs_section,
    CASE WHEN fix_unknown_status THEN 'under_investigation' ELSE status_received END AS status,
    coalesce(status_received = 'cleared', FALSE) AS cleared,
    CASE WHEN status_received = 'cleared' THEN cleared_at END AS cleared_at,
    persons_involved,
    fix_timestamp_format, fix_text_form, fix_old_commune_code, fix_unknown_article,
    fix_unknown_status, fix_unreadable_persons_involved, fix_code_spelling,
    _source_file, _row_number, _batch_id,
    list_filter([
        CASE WHEN copy_number > 1 THEN 'DUPLICATE' END,
        CASE WHEN copy_number = 1 AND (occurred_at IS NULL OR reported_at IS NULL)
             THEN 'INVALID_DATE' END,
        CASE WHEN copy_number = 1 AND (date_out_of_range(occurred_at, received_on)
                  OR date_out_of_range(reported_at, received_on)
                  OR date_out_of_range(cleared_at, received_on))
             THEN 'DATE_OUT_OF_RANGE' END,
        CASE WHEN copy_number = 1 AND occurred_at > reported_at THEN 'OCCURRED_AFTER_REPORTED' END,
        CASE WHEN copy_number = 1 AND occurred_at IS NOT NULL AND commune_code IS NULL
             THEN 'UNKNOWN_COMMUNE' END
    ], x -> x IS NOT NULL) AS reason_codes
FROM placed;
