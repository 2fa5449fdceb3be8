-- A failing row: a month and area of marts.population_change whose end population is not its
-- start + births - deaths + in-migrants - out-migrants (failure rows_not_balancing), whose start
-- is not the previous month's end (months_not_chaining), or whose start differs from the
-- population of marts.population_indicators on that reference date (stock_flow_mismatches);
-- the same for the cells' record-key sums (keys_not_matching: a stock carried forward by the
-- flows must have the key of the persons counted on that day, or the published stocks of the
-- same persons would differ between tables).
WITH chained AS (
    SELECT month, area_level, area_code, population_start, population_start__ck,
           lag(population_end) OVER w AS previous_end,
           lag(population_end__ck) OVER w AS previous_end__ck
    FROM marts.population_change
    WINDOW w AS (PARTITION BY area_level, area_code ORDER BY month)
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
INNER JOIN marts.population_change c
    ON i.ref_date = c.month AND i.area_level = c.area_level AND i.area_code = c.area_code
WHERE c.population_start <> i.population
UNION ALL
SELECT 'keys_not_matching' AS failure, month, area_level, area_code
FROM chained
WHERE population_start__ck <> previous_end__ck
UNION ALL
SELECT 'keys_not_matching' AS failure, c.month, c.area_level, c.area_code
FROM marts.population_indicators i
INNER JOIN marts.population_change c
    ON i.ref_date = c.month AND i.area_level = c.area_level AND i.area_code = c.area_code
WHERE c.population_start__ck <> i.population__ck
