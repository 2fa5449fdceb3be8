-- tourism_by_nationality: arrivals and guest-nights by month and guest nationality (ISO 3166
-- alpha-3; VNM = domestic guests), province level. IRTS 2008 / Eurostat definitions as in
-- tourism_monthly: arrivals are guests checking in during the month who stay at least one night;
-- guest_nights = check-out date − check-in date, each night counted in the month it falls in,
-- open stays censored at the end of the latest extract month.
-- nationality and nationality_name come from the reference data only (reference.nationalities:
-- ISO 3166 alpha-3 with the CLDR Vietnamese name, and 'other' for a value staging could not read).
-- A complete frame: every nationality of the reference list in every month of the extracts, zero
-- where no guest came, so the presence of a row says nothing about a guest.
-- Published (cell key method): arrivals a perturbed count, guest_nights a perturbed magnitude
-- (noise scaled by the largest single stay's nights in the cell).
-- arrivals__ck, guest_nights__ck: sums of the stays' record keys; guest_nights__top: the
-- largest single stay's nights in the month.
-- The figures are stay_figures' (marts/shared/macros.sql), as in tourism_monthly.
CREATE OR REPLACE TABLE marts.tourism_by_nationality AS
WITH months AS (
    SELECT unnest(generate_series(
        (SELECT min(check_in_month) FROM staging.stays),
        (SELECT max(nights_end - 1) FROM staging.stays), INTERVAL 1 MONTH))::DATE AS month
),
-- the stays by nationality, the input of stay_figures, which reads it by name (noqa: ST03): those
-- with a night or an arrival in the months computed
stays AS (  -- noqa: ST03
    SELECT guest_nationality AS nationality, check_in_date, nights_end, nights, record_key
    FROM staging.stays
    WHERE nights_end > rebuild_from('month')
)
SELECT mo.month, r.nationality, r.nationality_name_vi AS nationality_name,
       CASE WHEN r.nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
       -- arrivals, guest_nights and their keys, zero where no guest came
       coalesce(COLUMNS(f.* EXCLUDE (period, nationality)), 0)::BIGINT
FROM months mo
CROSS JOIN reference.nationalities r
LEFT JOIN stay_figures('stays', 'month') f ON f.period = mo.month AND f.nationality = r.nationality
WHERE mo.month >= rebuild_from('month')
ORDER BY mo.month, r.nationality;
