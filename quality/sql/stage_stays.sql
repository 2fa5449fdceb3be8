-- Staging of the lodging notifications, across all loaded months at once (a re-sent notification
-- can arrive in a later month's file). Row-level rules, then duplicates on the rows' keys, then
-- the flags on the accepted rows: late notification (after the 23:00 deadline, kept) and the
-- same guest in two establishments on the same night (kept, a quality figure).
-- Guest documents are pseudonymised: a cccd number with the same keyed HMAC as
-- staging.residents.person_key (so guest_in_register links to the register), a passport with
-- its nationality. Nights are IRTS 2008 / Eurostat nights, open stays censored at the day after
-- the latest extract month.
-- Each step is materialised as a temp table: one query with all steps as CTEs made DuckDB's
-- optimiser take minutes at 1 million rows, the steps take seconds.
-- The document type is read by the contract's code list ('Căn cước công dân', 'Hộ chiếu' …);
-- times with a zone ('Z', '+00:00', as an API sends them) are converted to local time by
-- parse_timestamp_vn. A check-out or notification time given but unreadable is INVALID_DATE (an
-- unreadable check-out would make the stay open and count nights to the censoring date); a time
-- after the day received or over 120 years before it is DATE_OUT_OF_RANGE.
-- A new month appended on its own (warehouse/incremental.py) redoes the rules that look across
-- months with quality/sql/append/stays.sql and stay_keys.sql: keep them in step with this file.
CREATE OR REPLACE TEMP TABLE _stays_censor AS
    SELECT coalesce(max(try_strptime(regexp_extract(_source_file, '(\d{4}-\d{2})', 1), '%Y-%m')),
                    DATE '2100-01-01')::DATE + INTERVAL 1 MONTH AS censor_date
    FROM raw.stays;

CREATE OR REPLACE TEMP TABLE _stays_vocabulary AS
    -- sex, nationality and document type take few distinct values: read each value once. Nationality is read
    -- from the reference data only (reference.nationality_spellings: a code as written, else a
    -- name or spelling in lower case, else with accents folded); anything else is 'other', so
    -- no text of the extract is ever published (REPAIR nationality_spelling, quality figure
    -- unknown_nationality). nationality_for_key keeps an unread value apart from other unread
    -- values in the passport pseudonym only (never stored).
    SELECT v.v, parse_sex(v.v) AS sex,
           CASE WHEN clean_text(v.v) IS NOT NULL
                THEN coalesce(c.alpha3, l.alpha3, f.alpha3, 'other') END AS nationality,
           coalesce(c.alpha3, l.alpha3, f.alpha3, upper(clean_text(v.v))) AS nationality_for_key,
           read_code('stays.guest_doc_type', v.v) AS doc_type,
           code_needed_repair('stays.guest_doc_type', v.v) AS doc_type_respelled
    FROM (SELECT guest_sex AS v FROM raw.stays UNION SELECT guest_nationality FROM raw.stays
          UNION SELECT guest_doc_type FROM raw.stays) v
    LEFT JOIN reference.nationality_spellings c ON c.spelling_key = clean_text(v.v)
    LEFT JOIN reference.nationality_spellings l ON l.spelling_key = lower(clean_text(v.v))
    LEFT JOIN reference.nationality_spellings f ON f.spelling_key = fold_text(v.v)
    WHERE v.v IS NOT NULL;

-- File order as one integer per row (the file's rank in name order, then the row number): the
-- first copy of a key is its smallest, an integer aggregate instead of a struct of text and row.
CREATE OR REPLACE TEMP TABLE _stays_files AS
    SELECT _source_file, (row_number() OVER (ORDER BY _source_file))::BIGINT << 32 AS file_base
    FROM (SELECT DISTINCT _source_file FROM raw.stays);

CREATE OR REPLACE TEMP TABLE _stays_typed AS
    SELECT
        r._source_file, r._row_number, r._batch_id,
        clean_code(r.notification_id) AS notification_id,
        upper(clean_code(r.establishment_id)) AS establishment_id,
        coalesce(vd.doc_type, lower(clean_code(r.guest_doc_type))) AS guest_doc_type,
        upper(replace(clean_code(r.guest_doc_number), ' ', '')) AS doc_clean,
        vn.nationality AS nationality_read,
        vn.nationality_for_key,
        vs.sex AS guest_sex,
        TRY_CAST(parse_number_vn(r.guest_birth_year) AS INTEGER) AS guest_birth_year,
        parse_timestamp_vn(r.check_in) AS check_in,
        parse_timestamp_vn(r.check_out) AS check_out,
        parse_timestamp_vn(r.notified_at) AS notified_at,
        coalesce(trim(r.check_out) <> '', FALSE) AS check_out_given,
        received_date(r._loaded_at) AS received_on,
        clean_code(r.room) AS room,
        coalesce(vd.doc_type_respelled, FALSE) AS fix_code_spelling,
        r.guest_sex IS NOT NULL AND vs.sex IS NULL AND clean_text(r.guest_sex) IS NOT NULL
            AS fix_unknown_sex,
        r.guest_nationality IS NOT NULL AND vn.nationality <> 'other'
            AND (r.guest_nationality IS DISTINCT FROM vn.nationality) AS fix_nationality_spelling,
        r.guest_sex IS NOT NULL AND r.guest_sex NOT IN ('Nam', 'Nữ') AS fix_sex_spelling,
        f.file_base + r._row_number AS row_order,
        -- the text a guest's pseudonym is made of: a cccd number, or a passport with its nationality
        CASE WHEN coalesce(vd.doc_type, lower(clean_code(r.guest_doc_type))) = 'passport'
             THEN 'passport:' || coalesce(vn.nationality_for_key, '') || ':'
                  || upper(replace(clean_code(r.guest_doc_number), ' ', ''))
             ELSE upper(replace(clean_code(r.guest_doc_number), ' ', '')) END AS guest_key_text
    FROM raw.stays r
    JOIN _stays_files f ON f._source_file = r._source_file
    LEFT JOIN _stays_vocabulary vn ON vn.v = r.guest_nationality
    LEFT JOIN _stays_vocabulary vs ON vs.v = r.guest_sex
    LEFT JOIN _stays_vocabulary vd ON vd.v = r.guest_doc_type;


-- The first copy of a notification id and of a (guest, establishment, check-in) stay, in file
-- order, for the keys that arrive more than once only (a small table to join back).
CREATE OR REPLACE TEMP TABLE _stays_first_id AS
    SELECT notification_id, min(row_order) AS first_copy
    FROM _stays_typed GROUP BY notification_id HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE _stays_first_stay AS
    SELECT guest_doc_type, doc_clean, establishment_id, check_in, min(row_order) AS first_copy
    FROM _stays_typed WHERE check_in IS NOT NULL GROUP BY ALL HAVING count(*) > 1;

-- Each distinct document pseudonymised once (the keyed HMAC is a Python function: one call per
-- value, so the 40 % of rows that repeat a guest are not hashed again), with whether the register
-- has that person: the register link is made on the distinct guests (3.7 million at province
-- scale) rather than on every stay (6 million).
CREATE OR REPLACE TEMP TABLE _stays_guest_keys AS
    WITH k AS MATERIALIZED (
        SELECT guest_key_text, pseudonym(guest_key_text) AS guest_key
        FROM (SELECT DISTINCT guest_key_text FROM _stays_typed WHERE guest_key_text IS NOT NULL)
    ),
    -- only the guests' keys are looked up in the register (a month's 200,000 guests when a
    -- month is appended, rather than the register's 1.5 million persons)
    r AS (SELECT DISTINCT person_key FROM staging.residents
          WHERE person_key IN (SELECT guest_key FROM k))
    SELECT k.guest_key_text, k.guest_key, r.person_key IS NOT NULL AS in_register
    FROM k LEFT JOIN r ON r.person_key = k.guest_key;

-- Every row once, in one pass: keys, rules and nights. The guest-in-two-places
-- flag needs the accepted rows, so it is set afterwards on the few rows it concerns.
CREATE OR REPLACE TABLE staging._checked_stays AS
WITH keyed AS (
    SELECT t.*, g.guest_key, g.in_register,
        -- a cccd is a Vietnamese ID card; a passport without a readable nationality is 'other'
        coalesce(t.nationality_read, CASE WHEN t.guest_doc_type = 'cccd' THEN 'VNM' ELSE 'other' END)
            AS guest_nationality,
        fi.first_copy IS NOT NULL AND fi.first_copy <> t.row_order AS later_id_copy,
        t.check_in IS NOT NULL AND fs.first_copy IS NOT NULL AND fs.first_copy <> t.row_order
            AS later_stay_copy,
        e.establishment_type, e.commune_code, e.establishment_id IS NOT NULL AS establishment_known,
        stay_nights(t.check_in, t.check_out, (SELECT censor_date FROM _stays_censor)::DATE) AS nights
    FROM _stays_typed t
    LEFT JOIN _stays_guest_keys g ON g.guest_key_text = t.guest_key_text
    LEFT JOIN _stays_first_id fi ON fi.notification_id IS NOT DISTINCT FROM t.notification_id
    LEFT JOIN _stays_first_stay fs
        ON fs.guest_doc_type IS NOT DISTINCT FROM t.guest_doc_type
       AND fs.doc_clean IS NOT DISTINCT FROM t.doc_clean
       AND fs.establishment_id IS NOT DISTINCT FROM t.establishment_id
       AND fs.check_in = t.check_in
    LEFT JOIN staging.establishments e ON e.establishment_id = t.establishment_id
),
checked AS (
    SELECT k.*,
        list_filter([
            CASE WHEN k.later_id_copy OR k.later_stay_copy THEN 'DUPLICATE' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND (k.check_in IS NULL OR k.notified_at IS NULL
                      OR (k.check_out_given AND k.check_out IS NULL))
                 THEN 'INVALID_DATE' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND (date_out_of_range(k.check_in, k.received_on)
                      OR date_out_of_range(k.check_out, k.received_on)
                      OR date_out_of_range(k.notified_at, k.received_on))
                 THEN 'DATE_OUT_OF_RANGE' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND (k.guest_doc_type IS NULL OR k.guest_doc_type NOT IN ('cccd', 'passport'))
                 THEN 'INVALID_DOC_TYPE' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND k.guest_doc_type = 'cccd'
                 AND person_id_problem(k.doc_clean, k.guest_sex,
                        CASE WHEN k.guest_birth_year BETWEEN 1900 AND 2100
                             THEN make_date(k.guest_birth_year, 1, 1) END) IS NOT NULL
                 THEN 'INVALID_PERSON_ID' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND NOT k.establishment_known THEN 'UNKNOWN_ESTABLISHMENT' END,
            CASE WHEN NOT (k.later_id_copy OR k.later_stay_copy)
                 AND k.check_out < k.check_in THEN 'CHECKOUT_BEFORE_CHECKIN' END
        ], x -> x IS NOT NULL) AS reason_codes
    FROM keyed k
)
SELECT
    s.notification_id, s.establishment_id, s.establishment_type, s.commune_code,
    s.guest_key,
    -- the stay's record key (cell key method): its identity is the duplicate rule's key
    record_key('stay|' || s.guest_key || '|' || s.establishment_id || '|' || s.check_in::VARCHAR)
        AS record_key,
    s.guest_doc_type, s.guest_nationality,
    CASE WHEN s.guest_nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
    s.guest_sex, s.guest_birth_year,
    s.check_in, s.check_out, s.check_out IS NULL AS is_open,
    s.check_in::DATE AS check_in_date, date_trunc('month', s.check_in)::DATE AS check_in_month,
    coalesce(s.check_out::DATE, (SELECT censor_date FROM _stays_censor)::DATE) AS nights_end,
    s.nights, s.nights = 0 AS is_same_day,
    s.room, s.notified_at,
    notification_deadline(s.check_in) AS notification_deadline,
    notification_late(s.check_in, s.notified_at) AS is_late,
    s.guest_doc_type = 'cccd' AND coalesce(s.in_register, FALSE) AS guest_in_register,
    FALSE AS guest_two_places,
    s.fix_nationality_spelling, s.guest_nationality = 'other' AS fix_unknown_nationality,
    s.fix_sex_spelling, s.fix_code_spelling, s.fix_unknown_sex,
    s._source_file, s._row_number, s._batch_id,
    s.reason_codes
FROM checked s;
-- what the checked rows were built from is not needed any more: its memory goes to the steps below
DROP TABLE _stays_files; DROP TABLE _stays_typed; DROP TABLE _stays_first_id;
DROP TABLE _stays_first_stay; DROP TABLE _stays_guest_keys;

-- The same guest in two establishments on the same night: accepted stays sharing a night with a
-- stay of the same guest at another establishment (kept, a quality figure). Only guests
-- accepted at two establishments or more can be; the self-join is over their stays alone.
CREATE OR REPLACE TEMP TABLE _stays_two_places AS
    WITH accepted AS (
        SELECT _source_file, _row_number, guest_key, establishment_id, check_in_date, nights_end
        FROM staging._checked_stays WHERE len(reason_codes) = 0 AND nights > 0
    ),
    travelling AS (
        SELECT a.* FROM accepted a
        SEMI JOIN (SELECT guest_key FROM accepted GROUP BY guest_key
                   HAVING min(establishment_id) <> max(establishment_id)) g
            ON g.guest_key = a.guest_key
    )
    SELECT DISTINCT a._source_file, a._row_number
    FROM travelling a
    JOIN travelling b ON a.guest_key = b.guest_key AND a.establishment_id <> b.establishment_id
     AND a.check_in_date < b.nights_end AND b.check_in_date < a.nights_end;

UPDATE staging._checked_stays c SET guest_two_places = TRUE
FROM _stays_two_places t WHERE t._source_file = c._source_file AND t._row_number = c._row_number;
DROP TABLE _stays_censor; DROP TABLE _stays_vocabulary; DROP TABLE _stays_two_places;
