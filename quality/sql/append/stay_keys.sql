-- The stay key of quality/sql/stage_stays.sql (_stays_first_stay: document type and number,
-- establishment, check-in) of the rows of the view _key_raw (some files of raw.stays), as a
-- keyed 128-bit digest: kept per raw row in intermediate.stays_stay_keys so that a new month's
-- re-sent stay is found among the earlier months without reading their raw rows again. These
-- expressions are those of stage_stays.sql's _stays_typed; tests/e2e/test_incremental.py
-- compares an appended staging with a full one. The digest is MD5 under the secret salt of the
-- record keys (protection/cellkey.py; a key-derived salt no one can compute without the key),
-- not the keyed HMAC: the key is only compared, never linked to another table, and DuckDB's md5
-- is native where the HMAC is a Python call per value (1.2 s of a month at province scale).
SELECT _source_file, _row_number,
       md5_number(getvariable('de06_record_key_salt') || 'stay:'
                  || coalesce(read_code('stays.guest_doc_type', guest_doc_type),
                              lower(clean_code(guest_doc_type)), '<null>') || '|'
                  || coalesce(upper(replace(clean_code(guest_doc_number), ' ', '')), '<null>')
                  || '|' || coalesce(upper(clean_code(establishment_id)), '<null>') || '|'
                  || parse_timestamp_vn(check_in)::VARCHAR) AS stay_key
FROM _key_raw WHERE parse_timestamp_vn(check_in) IS NOT NULL
