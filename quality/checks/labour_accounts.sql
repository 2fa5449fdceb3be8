-- A failing row: a cell of marts.labour_indicators where the labour accounts do not hold:
-- labour force <> employed + unemployed (failure labour_force_mismatches), more persons with a
-- status than the register's working-age population (more_statuses_than_residents), or a total
-- row that is not the sum of its sexes (employed) or age bands (labour force)
-- (totals_not_adding_up).
WITH by_sex AS (
    SELECT year, area_level, area_code, age_band,
           sum(employed) FILTER (WHERE sex <> 'Tổng') AS parts,
           any_value(employed) FILTER (WHERE sex = 'Tổng') AS total
    FROM marts.labour_indicators GROUP BY ALL
),

by_age AS (
    SELECT year, area_level, area_code, sex,
           sum(labour_force) FILTER (WHERE age_band <> 'Tổng') AS parts,
           any_value(labour_force) FILTER (WHERE age_band = 'Tổng') AS total
    FROM marts.labour_indicators GROUP BY ALL
)

SELECT 'labour_force_mismatches' AS failure, year, area_level, area_code
FROM marts.labour_indicators
WHERE labour_force <> employed + unemployed
UNION ALL
SELECT 'more_statuses_than_residents' AS failure, year, area_level, area_code
FROM marts.labour_indicators
WHERE no_labour_record < 0
UNION ALL
SELECT 'totals_not_adding_up' AS failure, year, area_level, area_code
FROM by_sex
WHERE parts <> total
UNION ALL
SELECT 'totals_not_adding_up' AS failure, year, area_level, area_code
FROM by_age
WHERE parts <> total
