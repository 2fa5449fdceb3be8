-- Staging of the lodging establishment register (current register, 2025 commune codes; an old
-- code is read through its default successor and counted as a repair). Every raw row once, with
-- its reject reasons (empty = accepted). The type is read by the contract's code list
-- ('Khách sạn 3 sao', 'Nhà nghỉ' …); a closing date given but unreadable is INVALID_DATE (the
-- establishment would count as open), a date after the day received or over 120 years before
-- it DATE_OUT_OF_RANGE.
CREATE OR REPLACE TABLE staging._checked_establishments AS
WITH typed AS (
    SELECT
        r._source_file, r._row_number, r._batch_id,
        upper(clean_text(r.establishment_id)) AS establishment_id,
        clean_text(r.name) AS name,
        read_code('establishments.type', r.type) AS establishment_type,
        code_needed_repair('establishments.type', r.type) AS fix_code_spelling,
        clean_text(r.closed_on) IS NOT NULL AND parse_date_vn(r.closed_on) IS NULL
            AS closed_on_unreadable,
        received_date(r._loaded_at) AS received_on,
        clean_text(r.commune_code) AS commune_code_received,
        TRY_CAST(parse_number_vn(r.rooms) AS INTEGER) AS rooms,
        TRY_CAST(parse_number_vn(r.beds) AS INTEGER) AS beds,
        parse_date_vn(r.opened_on) AS opened_on,
        parse_date_vn(r.closed_on) AS closed_on,
        date_needed_repair(r.opened_on) OR date_needed_repair(r.closed_on) AS fix_date_format,
        (r.name IS DISTINCT FROM clean_text(r.name) AND r.name IS NOT NULL)
            OR (r.establishment_id IS DISTINCT FROM trim(r.establishment_id)) AS fix_text_form,
        row_number() OVER (PARTITION BY upper(clean_text(r.establishment_id))
                           ORDER BY r._source_file, r._row_number) AS copy_number
    FROM raw.establishments r
)
SELECT
    t.establishment_id, t.name, t.establishment_type,
    commune_at(l, reform_date()) AS commune_code,  -- the register is current
    t.commune_code_received, t.rooms, t.beds, t.opened_on, t.closed_on,
    t.fix_date_format, t.fix_text_form, t.fix_code_spelling,
    commune_converted_at(l, reform_date()) AS fix_old_commune_code,
    t._source_file, t._row_number, t._batch_id,
    list_filter([
        CASE WHEN t.copy_number > 1 THEN 'DUPLICATE' END,
        CASE WHEN t.copy_number = 1 AND t.establishment_type IS NULL
            THEN 'INVALID_ESTABLISHMENT_TYPE' END,
        CASE WHEN t.copy_number = 1 AND l.code IS NULL THEN 'UNKNOWN_COMMUNE' END,
        CASE WHEN t.copy_number = 1 AND (t.opened_on IS NULL OR t.closed_on_unreadable)
            THEN 'INVALID_DATE' END,
        CASE WHEN t.copy_number = 1 AND (date_out_of_range(t.opened_on, t.received_on)
                  OR date_out_of_range(t.closed_on, t.received_on))
            THEN 'DATE_OUT_OF_RANGE' END,
        CASE WHEN t.copy_number = 1 AND (t.rooms IS NULL OR t.rooms < 1) THEN 'INVALID_ROOMS' END
    ], x -> x IS NOT NULL) AS reason_codes
FROM typed t
LEFT JOIN reference.commune_lookup l ON l.code = t.commune_code_received;
