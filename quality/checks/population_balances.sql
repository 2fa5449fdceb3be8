-- A failing row: a month and area of marts.population_change whose end population is not its
-- start + births - deaths + in-migrants - out-migrants (failure rows_not_balancing), whose start
-- is not the previous month's end (months_not_chaining), or whose start differs from the
-- population of marts.population_indicators on that reference date (stock_flow_mismatches).
WITH chained AS (
    SELECT month, area_level, area_code, population_start,
           lag(population_end) OVER (
               PARTITION BY area_level, area_code ORDER BY month
           ) AS previous_end
    FROM marts.population_change
)

SELECT 'rows_not_balancing' AS failure, month, area_level, area_code
FROM marts.population_change
WHERE population_end
      <> population_start + births - deaths + in_migrants - out_migrants
UNION ALL
SELECT 'months_not_chaining' AS failure, month, area_level, area_code
FROM chained
WHERE population_start <> previous_end
UNION ALL
SELECT 'stock_flow_mismatches' AS failure, c.month, c.area_level, c.area_code
FROM marts.population_indicators i
JOIN marts.population_change c
    ON c.month = i.ref_date AND c.area_level = i.area_level AND c.area_code = i.area_code
WHERE c.population_start <> i.population
