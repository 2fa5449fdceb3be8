-- A failing row: a measure whose province total over all months in marts.tourism_monthly
-- differs from the accepted stays: arrivals (stays of at least one night; failure
-- arrivals_differ_from_staging) or guest-nights (nights_differ_from_staging).
WITH mart AS (
    SELECT coalesce(sum(arrivals), 0) AS arrivals, coalesce(sum(guest_nights), 0) AS nights
    FROM marts.tourism_monthly
    WHERE area_level = 'province' AND establishment_type = 'all' AND guest_origin = 'all'
),

staged AS (
    SELECT coalesce(count_if(nights > 0), 0) AS arrivals, coalesce(sum(nights), 0) AS nights
    FROM staging.stays
)

SELECT 'arrivals_differ_from_staging' AS failure
FROM mart, staged
WHERE mart.arrivals <> staged.arrivals
UNION ALL
SELECT 'nights_differ_from_staging' AS failure
FROM mart, staged
WHERE mart.nights <> staged.nights
