-- The stay key of quality/sql/stage_stays.sql (_stays_first_stay: document type and number,
-- establishment, check-in) of the rows of the view _key_raw (some files of raw.stays), as a
-- keyed pseudonym: kept per raw row in intermediate.stays_stay_keys so that a new month's
-- re-sent stay is found among the earlier months without reading their raw rows again. These
-- expressions are those of stage_stays.sql's _stays_typed; tests/e2e/test_incremental.py
-- compares an appended staging with a full one.
SELECT _source_file, _row_number,
       pseudonym('stay:' || coalesce(read_code('stays.guest_doc_type', guest_doc_type),
                                     lower(clean_code(guest_doc_type)), '<null>') || '|'
                 || coalesce(upper(replace(clean_code(guest_doc_number), ' ', '')), '<null>') || '|'
                 || coalesce(upper(clean_code(establishment_id)), '<null>') || '|'
                 || parse_timestamp_vn(check_in)::VARCHAR) AS stay_key
FROM _key_raw WHERE parse_timestamp_vn(check_in) IS NOT NULL
