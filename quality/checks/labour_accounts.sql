-- A failing row: a cell of marts.labour_indicators where the labour accounts do not hold:
-- labour force <> employed + unemployed (failure labour_force_mismatches), more persons with a
-- status than the register's working-age population (more_statuses_than_residents), or a total
-- row that is not the sum of its sexes (employed) or age bands (labour force)
-- (totals_not_adding_up).
WITH totals AS (
    -- employed of each age band: 'Tổng' against the sexes; labour force of each sex: 'Tổng'
    -- against the age bands (total_not_adding_up, marts/shared/macros.sql)
    SELECT year, area_level, area_code
    FROM marts.labour_indicators
    GROUP BY year, area_level, area_code, age_band
    HAVING total_not_adding_up(employed, sex, 'Tổng')
    UNION ALL
    SELECT year, area_level, area_code
    FROM marts.labour_indicators
    GROUP BY year, area_level, area_code, sex
    HAVING total_not_adding_up(labour_force, age_band, 'Tổng')
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
FROM totals
