-- Staging of the camera traffic violations (all loaded months at once). One row per raw row in
-- staging._checked_traffic_violations; reason_codes empty = accepted. The plate is validated
-- (plate_problem), then replaced by a keyed pseudonym of its canonical spelling (plate_key); the
-- plate itself never leaves raw. plate_province (the two-digit registration code) is kept for
-- analysis.
-- Rules: DUPLICATE (second and later copies of a violation_id), INVALID_DATE (detected_at
-- missing or unreadable), UNKNOWN_COMMUNE (code read at the detection date), INVALID_PLATE,
-- INVALID_FINE (missing or not a number), NEGATIVE_FINE, FINE_OUT_OF_RANGE (above 1e9 VND).
-- Fines written the Vietnamese way ('600.000') are read by parse_number_vn (repair number_format).
-- Kept and counted: an unknown violation code (group 'other'), an unknown vehicle type
-- ('other'; the quality suite warns on any), an old commune code after 1 July 2025
-- (converted), paid spellings, a paid flag that cannot be read (counted as not paid; the
-- quality suite warns on any). The vehicle type is read by the contract's code list ('Xe máy',
-- 'Ô tô' …). DATE_OUT_OF_RANGE: a detection time after the day the file was received or more
-- than 120 years before it.
-- The CTEs are MATERIALIZED: inlined, DuckDB would evaluate the plate and timestamp macros
-- once per reference (minutes instead of seconds at province scale).
CREATE OR REPLACE TABLE staging._checked_traffic_violations AS
WITH vocabulary AS MATERIALIZED (
    -- the vehicle type and the paid flag take few distinct values: each is read once
    SELECT list_name, v, read_code(list_name, v) AS code,
           code_needed_repair(list_name, v) AS respelled,
           parse_bool_vn(v) AS flag, bool_needed_repair(v) AS bool_respelled
    FROM (SELECT 'traffic_violations.vehicle_type' AS list_name, vehicle_type AS v
          FROM raw.traffic_violations
          UNION SELECT 'bool', paid FROM raw.traffic_violations)
    WHERE v IS NOT NULL
),
plates AS MATERIALIZED (
    SELECT r.*, plate_problem(r.plate) AS plate_problem_, plate_norm(r.plate) AS plate_norm_
    FROM raw.traffic_violations r
),
typed AS MATERIALIZED (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        clean_text(r.violation_id) AS violation_id,
        parse_timestamp_vn(r.detected_at) AS detected_at,
        clean_text(r.commune_code) AS commune_received,
        r.plate_problem_ AS plate_problem,
        CASE WHEN r.plate_problem_ IS NULL THEN pseudonym(r.plate_norm_) END AS plate_key,
        CASE WHEN r.plate_problem_ IS NULL THEN substr(r.plate_norm_, 1, 2) END AS plate_province,
        vt.code AS vehicle_received,
        coalesce(vt.respelled, FALSE) AS fix_code_spelling,
        received_date(r._loaded_at) AS received_on,
        upper(clean_text(r.violation_code)) AS violation_code,
        parse_number_vn(r.fine_vnd) AS fine_value,
        number_needed_repair(r.fine_vnd) AS fix_number_format,
        pd.flag AS paid_flag,
        coalesce(pd.bool_respelled, FALSE) AS fix_paid_spelling,
        pd.flag IS NULL AS fix_unknown_paid,
        (r.commune_code IS DISTINCT FROM trim(r.commune_code)) AS fix_text_form,
        row_number() OVER (PARTITION BY clean_text(r.violation_id)
                           ORDER BY r._source_file, r._row_number) AS copy_number
    FROM plates r
    LEFT JOIN vocabulary vt ON vt.list_name = 'traffic_violations.vehicle_type' AND vt.v = r.vehicle_type
    LEFT JOIN vocabulary pd ON pd.list_name = 'bool' AND pd.v = r.paid
),
placed AS (
    SELECT t.*,
        commune_at(lc, t.detected_at) AS commune_code,
        commune_converted_at(lc, t.detected_at) AS fix_old_commune_code,
        v.violation_group IS NULL AS fix_unknown_violation_code,
        coalesce(v.violation_group, 'other') AS violation_group,
        t.vehicle_received IS NULL AS fix_unknown_vehicle_type
    FROM typed t
    LEFT JOIN reference.commune_lookup lc ON lc.code = t.commune_received
    LEFT JOIN reference.violation_codes v ON v.violation_code = t.violation_code
)
SELECT
    violation_id,
    -- the violation's record key (cell key method)
    record_key('violation|' || violation_id) AS record_key,
    detected_at, date_trunc('month', detected_at)::DATE AS detected_month,
    commune_code, commune_received AS commune_code_received,
    plate_key, plate_province, plate_problem,
    CASE WHEN fix_unknown_vehicle_type THEN 'other' ELSE vehicle_received END AS vehicle_type,
    violation_code, violation_group,
    -- a fine outside the range no traffic fine reaches is rejected, never cast (1e30 overflows)
    CASE WHEN fine_value BETWEEN 0 AND 1e9 THEN TRY_CAST(round(fine_value) AS BIGINT) END AS fine_vnd,
    coalesce(paid_flag, FALSE) AS paid,
    fix_text_form, fix_old_commune_code, fix_unknown_violation_code, fix_unknown_vehicle_type,
    fix_paid_spelling, fix_number_format, fix_unknown_paid, fix_code_spelling,
    _source_file, _row_number, _batch_id,
    list_filter([
        CASE WHEN copy_number > 1 THEN 'DUPLICATE' END,
        CASE WHEN copy_number = 1 AND detected_at IS NULL THEN 'INVALID_DATE' END,
        CASE WHEN copy_number = 1 AND date_out_of_range(detected_at, received_on)
             THEN 'DATE_OUT_OF_RANGE' END,
        CASE WHEN copy_number = 1 AND detected_at IS NOT NULL AND commune_code IS NULL
             THEN 'UNKNOWN_COMMUNE' END,
        CASE WHEN copy_number = 1 AND plate_problem IS NOT NULL THEN 'INVALID_PLATE' END,
        CASE WHEN copy_number = 1 AND fine_value IS NULL THEN 'INVALID_FINE' END,
        CASE WHEN copy_number = 1 AND fine_value < 0 THEN 'NEGATIVE_FINE' END,
        CASE WHEN copy_number = 1 AND fine_value > 1e9 THEN 'FINE_OUT_OF_RANGE' END
    ], x -> x IS NOT NULL) AS reason_codes
FROM placed;
