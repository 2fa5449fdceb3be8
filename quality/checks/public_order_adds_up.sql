-- A failing row: a month and area of marts.public_order_monthly whose ICCS sections do not add
-- up to its 'ALL' row (failure sections_not_adding_up); a province or district cell that is not
-- the sum of its communes or districts (areas_not_adding_up); a cell with more cleared incidents
-- than incidents (cleared_over_incidents); or, one row, the province's incidents over all months
-- differing from the count of accepted incidents (province_total_not_staged_count).
WITH sections AS (
    -- the 'ALL' row of a month and area against its ICCS sections (total_not_adding_up,
    -- marts/shared/macros.sql)
    SELECT month, area_level, area_code
    FROM marts.public_order_monthly
    GROUP BY month, area_level, area_code
    HAVING total_not_adding_up(incidents, iccs_section, 'ALL')
),

areas AS (
    SELECT p.month, p.area_level, p.area_code, p.iccs_section, p.incidents,
           sum(c.incidents) AS parts
    FROM marts.public_order_monthly p
    JOIN marts.public_order_monthly c
        ON c.parent_code = p.area_code AND c.month = p.month
           AND c.iccs_section = p.iccs_section
    WHERE p.area_level IN ('province', 'district')
    GROUP BY ALL
),

totals AS (
    SELECT
        (SELECT coalesce(sum(incidents), 0) FROM marts.public_order_monthly
         WHERE area_level = 'province' AND iccs_section = 'ALL') AS province_total,
        (SELECT count(*) FROM staging.incidents) AS staged
)

SELECT 'sections_not_adding_up' AS failure, month, area_level, area_code
FROM sections
UNION ALL
SELECT 'areas_not_adding_up' AS failure, month, area_level, area_code
FROM areas
WHERE parts <> incidents
UNION ALL
SELECT 'cleared_over_incidents' AS failure, month, area_level, area_code
FROM marts.public_order_monthly
WHERE cleared > incidents
UNION ALL
SELECT 'province_total_not_staged_count' AS failure, NULL, 'province', NULL
FROM totals
WHERE province_total <> staged
