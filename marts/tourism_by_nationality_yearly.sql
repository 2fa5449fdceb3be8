-- tourism_by_nationality_yearly: arrivals and guest-nights by year and guest nationality (ISO 3166
-- alpha-3; VNM = domestic guests), province level — counted from the stays, never summed from
-- published months. Definitions as in tourism_by_nationality (IRTS 2008 / Eurostat).
-- months_covered: months of the year the lodging extracts cover.
-- A complete frame: every nationality of the reference list in every year, zero where no guest
-- came. Published (cell key method): arrivals a perturbed count, guest_nights a perturbed
-- magnitude (noise scaled by the year's largest single stay's nights). <x>__ck: the stays' key
-- sums; guest_nights__top: the largest single stay's nights in the year.
-- The figures are stay_figures' (marts/shared/macros.sql), as in tourism_yearly.
CREATE OR REPLACE TABLE marts.tourism_by_nationality_yearly AS
WITH years AS (
    SELECT year(month) AS year, count(DISTINCT month) AS months_covered
    FROM marts.tourism_by_nationality
    WHERE month >= rebuild_from('year')
    GROUP BY ALL
),
-- the stays by nationality, the input of stay_figures, which reads it by name (noqa: ST03): those
-- with a night or an arrival in the years computed
stays AS (  -- noqa: ST03
    SELECT guest_nationality AS nationality, check_in_date, nights_end, nights, record_key
    FROM staging.stays
    WHERE nights_end > rebuild_from('year')
)
SELECT y.year, y.months_covered::INTEGER AS months_covered, r.nationality,
       r.nationality_name_vi AS nationality_name,
       CASE WHEN r.nationality = 'VNM' THEN 'domestic' ELSE 'international' END AS guest_origin,
       -- arrivals, guest_nights and their keys, zero where no guest came
       coalesce(COLUMNS(f.* EXCLUDE (period, nationality)), 0)::BIGINT
FROM years y
CROSS JOIN reference.nationalities r
LEFT JOIN stay_figures('stays', 'year') f
    ON year(f.period) = y.year AND f.nationality = r.nationality
ORDER BY y.year, r.nationality;
