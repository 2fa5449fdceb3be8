-- tourism_by_nationality: arrivals and guest-nights by month and guest nationality (ISO 3166
-- alpha-3; VNM = domestic guests), province level. IRTS 2008 / Eurostat definitions as in
-- tourism_monthly: arrivals are guests checking in during the month who stay at least one night;
-- guest_nights = check-out date − check-in date, each night counted in the month it falls in,
-- open stays censored at the end of the latest extract month.
-- nationality and nationality_name come from the reference data only (reference.nationalities:
-- ISO 3166 alpha-3 with the CLDR Vietnamese name, and 'other' for a value staging could not read).
CREATE OR REPLACE TABLE marts.tourism_by_nationality AS
WITH arrivals AS (
    SELECT check_in_month AS month, guest_nationality AS nationality, count(*) AS arrivals
    FROM staging.stays WHERE nights > 0 GROUP BY ALL
),
nights AS (
    SELECT month, guest_nationality AS nationality,
           sum(date_diff('day', greatest(check_in_date, month),
                         least(nights_end, (month + INTERVAL 1 MONTH)::DATE))) AS guest_nights
    FROM (SELECT *, unnest(generate_series(date_trunc('month', check_in_date),
                                            date_trunc('month', nights_end - 1),
                                            INTERVAL 1 MONTH))::DATE AS month
          FROM staging.stays WHERE nights > 0)
    GROUP BY ALL
)
SELECT month, nationality, r.nationality_name_vi AS nationality_name,
       CASE WHEN nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
       coalesce(a.arrivals, 0)::BIGINT AS arrivals, coalesce(n.guest_nights, 0)::BIGINT AS guest_nights
FROM arrivals a FULL JOIN nights n USING (month, nationality)
LEFT JOIN reference.nationalities r USING (nationality)
ORDER BY month ASC, guest_nights DESC, nationality ASC;
