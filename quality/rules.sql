-- Cleaning rules as DuckDB macros: one rule, one reason (repair or reject code).
-- Registered in every warehouse connection by quality/rules.py; unit-tested in tests/test_rules.py.
-- {ID_PREFIX_ALTERNATION} is replaced with the 3-digit province codes a personal ID may start
-- with (the 63 provinces before 2025), from the reference data, as a regular expression's
-- alternatives (001|002|…); the placeholder
-- CODE_SPELLINGS (in braces, below) with the code lists of the source contracts
-- (sources/contracts/, `Codes`), one VALUES row per spelling.

-- REPAIR text_form: NFC normalisation, trimmed, inner runs of blanks collapsed; control
-- characters (a NUL byte, a stray tab or line break inside a value) count as blanks.
CREATE OR REPLACE TEMP MACRO clean_text(s) AS
    nullif(trim(regexp_replace(nfc_normalize(s), '[\s\x00-\x1f\x7f]+', ' ', 'g')), '');

-- Text folded for matching names and codes: NFC, trimmed, lower case, accents and the
-- Vietnamese đ removed ('Hàn Quốc' → 'han quoc', 'Đức' → 'duc').
CREATE OR REPLACE TEMP MACRO fold_text(s) AS
    lower(strip_accents(replace(replace(clean_text(s), 'Đ', 'D'), 'đ', 'd')));

-- ---------------------------------------------------------------- code lists
-- The spelling key of a coded value: folded, every run of characters other than letters and
-- digits one space ('Đang điều tra', 'dang dieu tra', 'ĐANG ĐIỀU TRA' → 'dang dieu tra';
-- 'move_in', 'Move-in' → 'move in'; 'có vợ/chồng' → 'co vo chong'). Ticks (✓ ✔) are kept.
CREATE OR REPLACE TEMP MACRO code_key(s) AS
    nullif(trim(regexp_replace(fold_text(s), '[^a-z0-9✓✔]+', ' ', 'g')), '');

-- Every spelling of every code list of the source contracts (sources/contracts/: each coded
-- column's `Codes`, with the code itself), by spelling key. Two codes of a list never share a
-- key (quality/rules.py refuses such a list, tests/test_code_lists.py pins it).
CREATE OR REPLACE TEMP TABLE code_spellings AS
SELECT DISTINCT code_list, code_key(spelling) AS spelling_key, code
FROM (VALUES {CODE_SPELLINGS}) t (code_list, spelling, code);

-- REPAIR code_spelling: the code of a coded value in the code list `list_name` (a contract's
-- `Codes`), however people write it; NULL for a value that is no code of the list (staging
-- then rejects the row or keeps it and counts it, never a silent default). Evaluated once per
-- distinct value (DuckDB turns the lookup into a join).
CREATE OR REPLACE TEMP MACRO read_code(list_name, s) AS (
    SELECT c.code FROM code_spellings c
    WHERE c.code_list = list_name AND c.spelling_key = code_key(s)
);

-- True when a coded value was read by its list but not written as the code itself (after
-- NFC and trimming, which text_form counts): a Vietnamese label, another case or spelling.
CREATE OR REPLACE TEMP MACRO code_needed_repair(list_name, s) AS
    coalesce(clean_text(s) <> read_code(list_name, s), FALSE);

-- True when a coded value is given but is no code of its list (nor a spelling of one).
CREATE OR REPLACE TEMP MACRO code_unreadable(list_name, s) AS
    clean_text(s) IS NOT NULL AND read_code(list_name, s) IS NULL;

-- ---------------------------------------------------------------- dates and times
-- An Excel serial day number as a date, in the 1900 date system (serial 1 is 1 January 1900;
-- serial 60, Excel's 29 February 1900, never existed). A workbook's date cells arrive as dates
-- already, and the reader turns the serials of a workbook counting from 1904 into dates; this
-- reads the serials that arrive as text (a date column formatted as a number, a CSV saved from
-- such a sheet). A number that is also a plausible year (1900–2099) is a year, not a date: NULL.
CREATE OR REPLACE TEMP MACRO excel_serial_date(s) AS (
    CASE WHEN regexp_full_match(trim(s), '\d{1,7}(\.\d+)?')
              AND NOT regexp_full_match(trim(s), '(19|20)\d\d')
              AND TRY_CAST(trim(s) AS DOUBLE) >= 1
              AND TRY_CAST(trim(s) AS DOUBLE) < 2958466
              AND floor(TRY_CAST(trim(s) AS DOUBLE)) <> 60
         THEN DATE '1899-12-30' + TRY_CAST(floor(TRY_CAST(trim(s) AS DOUBLE)) AS INTEGER)
              + CASE WHEN TRY_CAST(trim(s) AS DOUBLE) < 60 THEN 1 ELSE 0 END
    END
);

-- The offset from UTC of a timestamp's zone designator ('Z', '+07:00', '+0700', '-05' after a
-- clock time), as an interval; NULL when the text names no zone.
CREATE OR REPLACE TEMP MACRO zone_offset(s) AS (
    -- most values name no zone: a cheap look at what follows the date settles them first
    CASE WHEN NOT (suffix(upper(trim(s)), 'Z') OR contains(substr(trim(s), 11), '+')
                   OR contains(substr(trim(s), 11), '-')) THEN NULL
         WHEN regexp_matches(trim(s), '\d:\d{2}(\.\d+)?[zZ]$') THEN INTERVAL 0 MINUTE
         WHEN regexp_matches(trim(s), '\d:\d{2}(\.\d+)?[+-]\d{2}(:?\d{2})?$')
         THEN (CASE WHEN regexp_extract(trim(s), '([+-])\d{2}(:?\d{2})?$', 1) = '-' THEN -1 ELSE 1 END)
              * (TRY_CAST(regexp_extract(trim(s), '[+-](\d{2}):?(\d{2})?$', 1) AS INTEGER) * 60
                 + coalesce(TRY_CAST(nullif(regexp_extract(trim(s), '[+-]\d{2}:?(\d{2})?$', 1), '')
                                     AS INTEGER), 0)) * INTERVAL 1 MINUTE
    END
);

-- Local time of the extracts: Vietnam, UTC+7 all year (no daylight saving time).
CREATE OR REPLACE TEMP MACRO local_offset() AS INTERVAL 7 HOUR;

-- REPAIR timestamp_format: yyyy-mm-dd HH:MM:SS (local time) is the convention; ISO 8601 with 'T'
-- or fractional seconds (Parquet timestamps read as text), dd/mm/yyyy HH:MM[:SS], a 12-hour
-- clock with SA/CH or AM/PM, and Excel serials with a fraction of a day are read too. A time with a zone ('Z' for UTC, '+00:00',
-- '-0500' …), as APIs send it, is converted to local time (UTC+7): '2024-01-31T18:30:00Z' is
-- 01:30 on 1 February in Vietnam. NULL when nothing fits.
CREATE OR REPLACE TEMP MACRO timestamp_any_spelling(s) AS (
    coalesce(
        try_strptime(clean_text(s), '%Y-%m-%d %H:%M:%S'),
        CASE WHEN zone_offset(s) IS NOT NULL
             THEN TRY_CAST(regexp_replace(trim(s), '([zZ]|[+-]\d{2}(:?\d{2})?)$', '') AS TIMESTAMP)
                  - zone_offset(s) + local_offset() END,
        TRY_CAST(clean_text(s) AS TIMESTAMP),
        try_strptime(clean_text(s), '%d/%m/%Y %H:%M:%S'),
        try_strptime(clean_text(s), '%d/%m/%Y %H:%M'),
        -- a 12-hour clock as a Vietnamese Excel writes it: SA (sáng) morning, CH (chiều) afternoon
        try_strptime(regexp_replace(regexp_replace(upper(clean_text(s)), ' SA$', ' AM'), ' CH$', ' PM'),
                     ['%d/%m/%Y %I:%M:%S %p', '%d/%m/%Y %I:%M %p', '%Y-%m-%d %I:%M:%S %p']),
        CASE WHEN regexp_full_match(clean_text(s), '\d{1,7}(\.\d+)?')
             THEN excel_serial_date(s)
                  + to_microseconds(TRY_CAST(round((TRY_CAST(clean_text(s) AS DOUBLE) % 1)
                                                   * 86400e6) AS BIGINT)) END
    )::TIMESTAMP
);

-- The convention as received first; every other spelling (timestamp_any_spelling) only for the
-- values still unread. The lambda keeps DuckDB from computing the other spellings' common parts
-- (the cleaned text, the zone) for every value: most values are read by one strptime.
CREATE OR REPLACE TEMP MACRO parse_timestamp_vn(s) AS coalesce(
    try_strptime(s, '%Y-%m-%d %H:%M:%S'),
    list_transform([s], x -> timestamp_any_spelling(x))[1]
);

-- The day (local time) a row was received: the day its file was loaded (raw._loaded_at is UTC).
CREATE OR REPLACE TEMP MACRO received_date(loaded_at) AS (loaded_at + local_offset())::DATE;

-- REJECT DATE_OUT_OF_RANGE: a date (or the day of a timestamp) after the day the file was
-- received (received_on, see received_date), or more than 120 years before it: a typing slip (2204 for 2024) or a wrong
-- century, never a date to count. Birth dates have their own rule (INVALID_BIRTH_DATE).
CREATE OR REPLACE TEMP MACRO date_out_of_range(d, received_on) AS
    coalesce(d::DATE > received_on OR d::DATE < received_on - INTERVAL 120 YEAR, FALSE);

-- REPAIR date_format: dd/mm/yyyy is the convention; d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd,
-- yyyy/mm/dd, ISO 8601 with a time (and a zone: the local date, as parse_timestamp_vn) and
-- Excel serial day numbers of any year are read too. NULL when none fits (a month 13, a 30
-- February). (The formats are tried in order by one try_strptime call; the rest only for what
-- is left.)
CREATE OR REPLACE TEMP MACRO date_any_spelling(s) AS coalesce(
    TRY_CAST(try_strptime(trim(s), ['%d/%m/%Y', '%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d', '%Y/%m/%d',
                                '%Y-%m-%d %H:%M:%S']) AS DATE),
    CASE WHEN regexp_full_match(trim(s), '\d{4}-\d{2}-\d{2}[T ].+')
         THEN parse_timestamp_vn(s)::DATE END,
    excel_serial_date(s)
);

-- The convention (and a workbook's date cell, 'yyyy-mm-dd 00:00:00') as received first, every
-- other spelling only for what is left (as parse_timestamp_vn).
CREATE OR REPLACE TEMP MACRO parse_date_vn(s) AS coalesce(
    TRY_CAST(try_strptime(s, ['%d/%m/%Y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d']) AS DATE),
    list_transform([s], x -> date_any_spelling(x))[1]
);

-- REPAIR number_format: a number as text, read the Vietnamese way. A group of exactly three
-- digits after a '.' or ',' is thousands ('1.500.000' and '1,500,000' are 1500000, '600.000' is
-- 600000, never 600); otherwise ',' is the decimal mark ('37,5' is 37.5) and '.' too ('37.5',
-- '600000.0', '1e30' as a program writes it). NULL when the text is not a number. Every number
-- of an extract is read through this macro (no CAST that can fail on a row).
CREATE OR REPLACE TEMP MACRO number_text(s) AS replace(clean_text(s), ' ', '');
CREATE OR REPLACE TEMP MACRO parse_number_vn(s) AS (
    CASE
        WHEN number_text(s) IS NULL THEN NULL
        WHEN regexp_full_match(number_text(s), '-?\d{1,3}(\.\d{3})+(,\d+)?')
            THEN TRY_CAST(replace(replace(number_text(s), '.', ''), ',', '.') AS DOUBLE)
        WHEN regexp_full_match(number_text(s), '-?\d{1,3}(,\d{3})+(\.\d+)?')
            THEN TRY_CAST(replace(number_text(s), ',', '') AS DOUBLE)
        WHEN regexp_full_match(number_text(s), '-?\d+,\d+')
            THEN TRY_CAST(replace(number_text(s), ',', '.') AS DOUBLE)
        WHEN regexp_full_match(number_text(s), '[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?')
            THEN TRY_CAST(number_text(s) AS DOUBLE)
    END
);

-- True when a number was written with thousands separators or a decimal comma (a repair).
CREATE OR REPLACE TEMP MACRO number_needed_repair(s) AS
    coalesce(regexp_full_match(number_text(s), '-?\d{1,3}([.,]\d{3})+([.,]\d+)?|-?\d+,\d+'), FALSE);

-- REPAIR text_form for codes (IDs, commune and household numbers): surrounding blanks removed.
CREATE OR REPLACE TEMP MACRO clean_code(s) AS nullif(trim(s), '');

-- The administrative reform: from this date the 2025 communes are in force.
-- {REFORM_DATE} is sources.admin_units.REFORM_DATE, filled in by quality/rules.py.
CREATE OR REPLACE TEMP MACRO reform_date() AS DATE '{REFORM_DATE}';

-- REPAIR old_commune_code: the 2025 commune a received code stands for at a date. `l` is the
-- code's row of reference.commune_lookup (a table alias; NULL fields when the code is unknown).
-- Every 2025 code is also the code of an old commune (its seat), so from the reform date a 2025
-- code stands for itself and an old code is converted to its default successor; before it,
-- every code is an old code.
CREATE OR REPLACE TEMP MACRO commune_at(l, on_date) AS
    CASE WHEN on_date >= reform_date() AND l.is_2025_code THEN l.code ELSE l.successor_code END;

-- True when commune_at converted an old code (the repair old_commune_code).
CREATE OR REPLACE TEMP MACRO commune_converted_at(l, on_date) AS
    on_date >= reform_date() AND l.code IS NOT NULL AND NOT l.is_2025_code;

-- True when the date text was not in the convention dd/mm/yyyy (a repaired spelling).
CREATE OR REPLACE TEMP MACRO date_needed_repair(s) AS
    s IS NOT NULL AND NOT regexp_full_match(s, '\d{2}/\d{2}/\d{4}');

-- REPAIR sex_spelling: Nam/Nữ; accepts any case and Unicode form, NU, M/F, male/female,
-- and the GSO codes 1/2 (the code list `sex`, sources/contracts/base.py). NULL when the
-- meaning is not certain.
CREATE OR REPLACE TEMP MACRO parse_sex(s) AS read_code('sex', s);

-- REPAIR nationality_spelling: ISO 3166 alpha-3; the spellings of Viet Nam are mapped to VNM,
-- other two-letter or three-letter codes are upper-cased (two-letter ones resolved by the
-- reference table where used).
CREATE OR REPLACE TEMP MACRO parse_nationality(s) AS (
    CASE
        WHEN clean_text(s) IS NULL THEN NULL
        WHEN lower(strip_accents(clean_text(s))) IN ('vn', 'vnm', 'viet nam', 'vietnam', 'việt nam')
            THEN 'VNM'
        ELSE upper(clean_text(s))
    END
);

-- REJECT INVALID_PERSON_ID: the reason a 12-digit personal ID is not valid, NULL when valid.
-- Structure: 3-digit province prefix, century/sex digit (0/1 = 1900s male/female, 2/3 = 2000s,
-- 4/5 = 2100s; even male, odd female), 2-digit birth year, 6 digits. There is no checksum.
-- sex and birth_date, when known, must agree with the ID.
CREATE OR REPLACE TEMP MACRO person_id_problem_stepwise(pid, sex, birth_date) AS (
    CASE
        WHEN pid IS NULL OR trim(pid) = '' THEN 'missing'
        WHEN NOT regexp_full_match(trim(pid), '[0-9]+') THEN 'non_digit'
        WHEN length(trim(pid)) <> 12 THEN 'length'
        WHEN NOT regexp_full_match(substr(trim(pid), 1, 3), '{ID_PREFIX_ALTERNATION}') THEN 'province_prefix'
        WHEN substr(trim(pid), 4, 1) > '5' THEN 'century_digit'
        WHEN sex IS NOT NULL
             AND (TRY_CAST(substr(trim(pid), 4, 1) AS INTEGER) % 2 = 0) <> (sex = 'Nam') THEN 'sex_digit'
        WHEN birth_date IS NOT NULL
             AND 1900 + 100 * (TRY_CAST(substr(trim(pid), 4, 1) AS INTEGER) // 2)
                 + TRY_CAST(substr(trim(pid), 5, 2) AS INTEGER) <> year(birth_date) THEN 'birth_year'
    END
);

-- The same verdict, the common case first: a well-formed ID (12 digits, a known province prefix,
-- a century digit 0-5, spaces around it aside) is recognised by one regular expression, and only
-- its sex and birth-year agreement are left to check; anything else goes through the rules one
-- by one. (Both avoid an IN list, which DuckDB turns into a join computed for every row.)
CREATE OR REPLACE TEMP MACRO person_id_problem(pid, sex, birth_date) AS (
    CASE
        WHEN regexp_full_match(pid, ' *(?:{ID_PREFIX_ALTERNATION})[0-5][0-9]{8} *') THEN
            CASE WHEN sex IS NOT NULL
                      AND (ascii(substr(ltrim(pid), 4, 1)) % 2 = 0) <> (sex = 'Nam') THEN 'sex_digit'
                 WHEN birth_date IS NOT NULL
                      AND 1900 + 100 * ((ascii(substr(ltrim(pid), 4, 1)) - 48) // 2)
                          + TRY_CAST(substr(ltrim(pid), 5, 2) AS INTEGER) <> year(birth_date)
                      THEN 'birth_year'
            END
        ELSE person_id_problem_stepwise(pid, sex, birth_date)
    END
);

-- REJECT INVALID_BIRTH_DATE: a birth date after the reference date or more than 120 years before.
CREATE OR REPLACE TEMP MACRO birth_date_invalid(birth_date, ref_date) AS
    birth_date IS NULL OR birth_date > ref_date OR birth_date < ref_date - INTERVAL 120 YEAR;

-- Age in completed years on a date.
CREATE OR REPLACE TEMP MACRO age_on(birth_date, on_date) AS
    date_diff('year', birth_date, on_date)
    - CASE WHEN month(on_date) * 100 + day(on_date) < month(birth_date) * 100 + day(birth_date)
           THEN 1 ELSE 0 END;

-- Five-year age groups of the marts: 0-4 … 75-79, 80+.
CREATE OR REPLACE TEMP MACRO age_group(age) AS
    CASE WHEN age >= 80 THEN '80+'
         ELSE ((age // 5) * 5)::VARCHAR || '-' || ((age // 5) * 5 + 4)::VARCHAR END;

-- Keyed pseudonym: HMAC-SHA256(key, value) as hex. hmac_pseudonym is a Python function bound to
-- the key at connection time (quality/rules.py): the key never appears in SQL text.
CREATE OR REPLACE TEMP MACRO pseudonym(v) AS
    CASE WHEN clean_code(v) IS NULL THEN NULL ELSE hmac_pseudonym(trim(v)) END;

-- ---------------------------------------------------------------- model 37 (labour) rules
-- REPAIR bool_spelling: true/false is the convention; Có/Không, 1/0, x, yes/no, Đúng/Sai,
-- Đã nộp/Chưa nộp and any case or Unicode form are read too (the code list `bool`,
-- sources/contracts/base.py). NULL when the meaning is not certain.
CREATE OR REPLACE TEMP MACRO parse_bool_vn(s) AS (
    CASE read_code('bool', s) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END
);

-- True when a boolean was given but cannot be read (counted where staging keeps the row).
CREATE OR REPLACE TEMP MACRO bool_unreadable(s) AS
    clean_text(s) IS NOT NULL AND parse_bool_vn(s) IS NULL;

-- True when a boolean was written otherwise than true/false but its meaning is certain.
CREATE OR REPLACE TEMP MACRO bool_needed_repair(s) AS
    s IS NOT NULL AND s NOT IN ('true', 'false') AND parse_bool_vn(s) IS NOT NULL;

-- Ten-year age bands of the labour marts (working age 15+): 15-24 … 55-64, 65+; NULL under 15.
CREATE OR REPLACE TEMP MACRO labour_age_band(age) AS
    CASE WHEN age IS NULL OR age < 15 THEN NULL
         WHEN age < 25 THEN '15-24' WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44'
         WHEN age < 55 THEN '45-54' WHEN age < 65 THEN '55-64' ELSE '65+' END;

-- GSO's three broad sectors from a VSIC 2018 section: A agriculture, forestry and fishing;
-- B-F industry and construction; G-U services. NULL for anything else.
CREATE OR REPLACE TEMP MACRO vsic_broad_sector(section) AS
    CASE WHEN section = 'A' THEN 'A'
         WHEN section IN ('B', 'C', 'D', 'E', 'F') THEN 'B-F'
         WHEN section IN ('G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U')
             THEN 'G-U'
    END;

-- Register-based informal employment (operational definition, see marts/labour_indicators.sql):
-- an employed contributing family worker, or an employed employee, employer or own-account
-- worker without social insurance (unknown insurance counts as none).
CREATE OR REPLACE TEMP MACRO is_informal(employment_status, status_in_employment, has_social_insurance) AS
    coalesce(employment_status = 'employed'
             AND (status_in_employment = 'contributing_family'
                  OR NOT coalesce(has_social_insurance, FALSE)), FALSE);

-- ---------------------------------------------------------------- model 39 (public order) rules

-- A plate in its canonical spelling: upper case, spaces and dots removed, the dash kept (it
-- tells a four-wheeled series from a motorbike series): '77A-123.45' → '77A-12345',
-- '77-B1 234.56' → '77-B123456'. The pseudonym is taken of this form, so spellings of the same
-- plate link and different plates never do.
CREATE OR REPLACE TEMP MACRO plate_norm(p) AS
    upper(regexp_replace(coalesce(clean_text(p), ''), '[\s.]', '', 'g'));

-- REJECT INVALID_PLATE: the reason a plate is not a Vietnamese civil plate, NULL when valid.
-- Formats (Circular 24/2023/TT-BCA): cars, trucks and buses '77A-123.45', '77A-1234',
-- '77LD-123.45' (two-digit province code, a series of one or two letters, a dash, 4 or 5
-- digits); motorbikes '77-B1 234.56', '77-B1 2345', '77-AA 123.45' (province code, a dash, a
-- series letter and a letter or digit, 4 or 5 digits). Dots and spaces are optional. Series
-- letters exclude I, J, O, Q, W; province codes run 11..99 except the unused 13, 42, 44, 45,
-- 46, 87, 91, 96.
CREATE OR REPLACE TEMP MACRO plate_problem(p) AS (
    CASE
        WHEN clean_text(p) IS NULL THEN 'missing'
        WHEN NOT regexp_full_match(clean_text(p), '[0-9A-Za-z .\-]+') THEN 'characters'
        WHEN NOT (regexp_full_match(plate_norm(p),
                      '[0-9]{2}[ABCDEFGHKLMNPRSTUVXYZ]{1,2}-[0-9]{4,5}')
                  OR regexp_full_match(plate_norm(p),
                      '[0-9]{2}-[ABCDEFGHKLMNPRSTUVXYZ][ABCDEFGHKLMNPRSTUVXYZ0-9][0-9]{4,5}'))
            THEN 'format'
        WHEN TRY_CAST(substr(plate_norm(p), 1, 2) AS INTEGER) < 11
             OR substr(plate_norm(p), 1, 2) IN ('13', '42', '44', '45', '46', '87', '91', '96')
            THEN 'province'
    END
);

-- ---------------------------------------------------------------- model 38 (lodging) rules
-- REPAIR nationality_spelling (stays) is a join, not a macro: see stage_stays.sql
-- (reference.nationality_spellings, keyed by lower(clean_text(s)) and by fold_text(s)).

-- Deadline of a lodging notification (Law on Residence 2020, art. 30; Circular 55/2021/TT-BCA):
-- 23:00 of the check-in day; a guest arriving at or after 23:00 is notified by 08:00 the next day.
CREATE OR REPLACE TEMP MACRO notification_deadline(check_in) AS
    CASE WHEN check_in IS NULL THEN NULL
         WHEN hour(check_in) >= 23 THEN date_trunc('day', check_in) + INTERVAL 32 HOUR
         ELSE date_trunc('day', check_in) + INTERVAL 23 HOUR END;

-- FLAG late_notification: notified strictly after the deadline (kept; lodging_compliance counts it).
CREATE OR REPLACE TEMP MACRO notification_late(check_in, notified_at) AS
    coalesce(notified_at > notification_deadline(check_in), FALSE);

-- Guest-nights of a stay (IRTS 2008 / Eurostat): check-out date − check-in date; an open stay is
-- censored at `censor_date` (the day after the last extract month). Same-day stays have 0 nights.
CREATE OR REPLACE TEMP MACRO stay_nights(check_in, check_out, censor_date) AS
    greatest(date_diff('day', check_in::DATE,
                       coalesce(check_out::DATE, censor_date)), 0);
