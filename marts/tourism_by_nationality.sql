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
CREATE OR REPLACE TABLE marts.tourism_by_nationality AS
WITH months AS (
    SELECT unnest(generate_series(
        (SELECT min(check_in_month) FROM staging.stays),
        (SELECT max(nights_end - 1) FROM staging.stays), INTERVAL 1 MONTH))::DATE AS month
),
arrivals AS (
    SELECT check_in_month AS month, guest_nationality AS nationality, count(*) AS arrivals,
           sum(count_key(record_key)) AS arrivals__ck
    FROM staging.stays WHERE nights > 0 GROUP BY ALL
),
stay_months AS (
    SELECT month, guest_nationality AS nationality, record_key,
           date_diff('day', greatest(check_in_date, month),
                     least(nights_end, (month + INTERVAL 1 MONTH)::DATE)) AS nights_in_month
    FROM (SELECT *, unnest(generate_series(date_trunc('month', check_in_date),
                                            date_trunc('month', nights_end - 1),
                                            INTERVAL 1 MONTH))::DATE AS month
          FROM staging.stays WHERE nights > 0)
),
nights AS (
    SELECT month, nationality, sum(nights_in_month) AS guest_nights,
           max(nights_in_month) AS guest_nights__top,
           sum(magnitude_key(record_key)) AS guest_nights__ck
    FROM stay_months GROUP BY ALL
)
SELECT mo.month, r.nationality, r.nationality_name_vi AS nationality_name,
       CASE WHEN r.nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
       coalesce(a.arrivals, 0)::BIGINT AS arrivals,
       coalesce(n.guest_nights, 0)::BIGINT AS guest_nights,
       coalesce(a.arrivals__ck, 0)::BIGINT AS arrivals__ck,
       coalesce(n.guest_nights__ck, 0)::BIGINT AS guest_nights__ck,
       coalesce(n.guest_nights__top, 0)::BIGINT AS guest_nights__top
FROM months mo
CROSS JOIN reference.nationalities r
LEFT JOIN arrivals a ON a.month = mo.month AND a.nationality = r.nationality
LEFT JOIN nights n ON n.month = mo.month AND n.nationality = r.nationality
ORDER BY mo.month, r.nationality;
