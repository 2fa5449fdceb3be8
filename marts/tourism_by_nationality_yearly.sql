-- tourism_by_nationality_yearly: arrivals and guest-nights by year and guest nationality (ISO 3166
-- alpha-3; VNM = domestic guests), province level — counted from the stays, never summed from
-- published months. Definitions as in tourism_by_nationality (IRTS 2008 / Eurostat).
-- months_covered: months of the year the lodging extracts cover.
-- A complete frame: every nationality of the reference list in every year, zero where no guest
-- came. Published (cell key method): arrivals a perturbed count, guest_nights a perturbed
-- magnitude (noise scaled by the year's largest single stay's nights). <x>__ck: the stays' key
-- sums; guest_nights__top: the largest single stay's nights in the year.
CREATE OR REPLACE TABLE marts.tourism_by_nationality_yearly AS
WITH years AS (
    SELECT year(month) AS year, count(DISTINCT month) AS months_covered
    FROM marts.tourism_by_nationality GROUP BY ALL
),
stays AS (SELECT * FROM staging.stays WHERE nights > 0),
arrivals AS (
    SELECT year(check_in_month) AS year, guest_nationality AS nationality, count(*) AS arrivals,
           sum(count_key(record_key)) AS arrivals__ck
    FROM stays GROUP BY ALL
),
stay_years AS (
    SELECT y.year, s.guest_nationality AS nationality, s.record_key,
           date_diff('day', greatest(s.check_in_date, make_date(y.year, 1, 1)),
                     least(s.nights_end, make_date(y.year + 1, 1, 1))) AS nights_in_year
    FROM stays s
    JOIN years y ON s.check_in_date < make_date(y.year + 1, 1, 1)
                AND s.nights_end > make_date(y.year, 1, 1)
),
nights AS (
    SELECT year, nationality, sum(nights_in_year) AS guest_nights,
           max(nights_in_year) AS guest_nights__top,
           sum(magnitude_key(record_key)) AS guest_nights__ck
    FROM stay_years GROUP BY ALL
)
SELECT y.year, y.months_covered::INTEGER AS months_covered, r.nationality,
       r.nationality_name_vi AS nationality_name,
       CASE WHEN r.nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
       coalesce(a.arrivals, 0)::BIGINT AS arrivals,
       coalesce(n.guest_nights, 0)::BIGINT AS guest_nights,
       coalesce(a.arrivals__ck, 0)::BIGINT AS arrivals__ck,
       coalesce(n.guest_nights__ck, 0)::BIGINT AS guest_nights__ck,
       coalesce(n.guest_nights__top, 0)::BIGINT AS guest_nights__top
FROM years y
CROSS JOIN reference.nationalities r
LEFT JOIN arrivals a ON a.year = y.year AND a.nationality = r.nationality
LEFT JOIN nights n ON n.year = y.year AND n.nationality = r.nationality
ORDER BY y.year, r.nationality;
