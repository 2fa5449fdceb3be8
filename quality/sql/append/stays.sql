-- Appending a new month of lodging notifications to staging (warehouse/incremental.py,
-- stage_append): what quality/sql/stage_stays.sql decides across all months, redone for the
-- new files only, so that an appended staging equals a full one
-- (tests/e2e/test_incremental.py compares them). Run after the batch (the new files, view
-- _batch_raw) went through stage_stays.sql into the temporary _checked_stays and the DUPLICATE rule
-- on notification ids; before the rows are inserted. Inputs: _batch_keys (the new rows' stay keys, from
-- quality/sql/append/stay_keys.sql), intermediate.stays_stay_keys (the earlier months' keys)
-- and the variable `censor` (the day after the latest extract month).

-- A re-sent stay under a new notification id: the same (document, establishment, check-in)
-- as an earlier month's stay is a DUPLICATE, as in stage_stays.sql's _stays_first_stay.
UPDATE _checked_stays c SET reason_codes = ['DUPLICATE']
FROM _batch_keys b
WHERE b._source_file = c._source_file AND b._row_number = c._row_number
  AND b.stay_key IN (SELECT stay_key FROM intermediate.stays_stay_keys);

INSERT INTO intermediate.stays_stay_keys SELECT * FROM _batch_keys;

-- The first day whose figures this append can change (warehouse/incremental.APPENDED): the
-- earliest check-in of the new accepted rows and the earliest end of the open stays censored
-- anew below (their nights before it stay as they were); the censoring date when neither.
SET VARIABLE appended_from = coalesce(least(
    (SELECT min(check_in_date) FROM _checked_stays WHERE len(reason_codes) = 0),
    (SELECT min(nights_end) FROM staging.stays
     WHERE is_open AND nights_end IS DISTINCT FROM getvariable('censor'))), getvariable('censor'));

-- Open stays of earlier months end at the new censoring date.
UPDATE staging.stays SET nights_end = getvariable('censor'),
    nights = stay_nights(check_in, check_out, getvariable('censor')),
    is_same_day = stay_nights(check_in, check_out, getvariable('censor')) = 0
WHERE is_open AND nights_end IS DISTINCT FROM getvariable('censor');

UPDATE quarantine.stays SET nights_end = getvariable('censor'),
    nights = stay_nights(check_in, check_out, getvariable('censor')),
    is_same_day = stay_nights(check_in, check_out, getvariable('censor')) = 0
WHERE is_open AND nights_end IS DISTINCT FROM getvariable('censor');

-- The same guest in two establishments on the same night (stage_stays.sql's rule), for the
-- guests the new rows or the re-censored open stays touch. An append only adds: rows, and the
-- nights of open stays from their old end on (appended_from is at or before both), while no
-- earlier row loses a night or its acceptance. A flag is therefore never withdrawn, and two
-- earlier stays that share a night before appended_from shared it before and are flagged
-- already: only the stays that end after appended_from can gain a flag, and only from each
-- other. (Recomputing every stay of the touched guests read 6 million rows of staging.stays for
-- the pool and again for the update at province scale: 1.4 s of a month.)
CREATE OR REPLACE TEMP TABLE _guests AS
SELECT DISTINCT guest_key FROM _checked_stays WHERE len(reason_codes) = 0
UNION SELECT guest_key FROM staging.stays WHERE is_open;

CREATE OR REPLACE TEMP TABLE _pool AS
SELECT _source_file, _row_number, guest_key, establishment_id, check_in_date, nights_end
FROM staging.stays
WHERE nights_end > getvariable('appended_from') AND nights > 0
  AND guest_key IN (SELECT guest_key FROM _guests)
UNION ALL
SELECT _source_file, _row_number, guest_key, establishment_id, check_in_date, nights_end
FROM _checked_stays WHERE len(reason_codes) = 0 AND nights > 0;

CREATE OR REPLACE TEMP TABLE _two_places AS
SELECT DISTINCT a._source_file, a._row_number FROM _pool a
JOIN _pool b ON a.guest_key = b.guest_key AND a.establishment_id <> b.establishment_id
 AND a.check_in_date < b.nights_end AND b.check_in_date < a.nights_end;

UPDATE staging.stays s SET guest_two_places = TRUE
FROM _two_places t
WHERE t._source_file = s._source_file AND t._row_number = s._row_number
  AND s.nights_end > getvariable('appended_from') AND NOT s.guest_two_places;

-- (_two_places holds each row once: the scalar subquery is TRUE or NULL)
UPDATE _checked_stays c SET guest_two_places = len(c.reason_codes) = 0 AND coalesce((
    SELECT TRUE FROM _two_places t
    WHERE t._source_file = c._source_file AND t._row_number = c._row_number), FALSE);

DROP TABLE _guests; DROP TABLE _pool; DROP TABLE _two_places; DROP TABLE _batch_keys;
