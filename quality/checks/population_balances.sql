-- A failing row: a month and area of marts.population_change whose end population is not its
-- start + births - deaths + in-migrants - out-migrants (failure rows_not_balancing), whose start
-- is not the previous month's end (months_not_chaining), or whose start differs from the
-- population of marts.population_indicators on that reference date (stock_flow_mismatches);
-- the same for the cells' record-key sums (keys_not_matching: a stock carried forward by the
-- flows must have the key of the persons counted on that day, or the published stocks of the
-- same persons would differ between tables).
WITH starts AS (
    -- a month's start and its key against the two figures they must equal: the previous
    -- month's end, and the population counted on that reference date
    SELECT 'months_not_chaining' AS failure, month, area_level, area_code,
           population_start, population_start__ck,
           lag(population_end) OVER w AS expected, lag(population_end__ck) OVER w AS expected__ck
    FROM marts.population_change
    WINDOW w AS (PARTITION BY area_level, area_code ORDER BY month)
    UNION ALL
    SELECT 'stock_flow_mismatches' AS failure, c.month, c.area_level, c.area_code,
           c.population_start, c.population_start__ck, i.population, i.population__ck
    FROM marts.population_indicators i
    INNER JOIN marts.population_change c
        ON i.ref_date = c.month AND i.area_level = c.area_level AND i.area_code = c.area_code
)

SELECT 'rows_not_balancing' AS failure, month, area_level, area_code
FROM marts.population_change
WHERE population_end
      <> population_start + births - deaths + in_migrants - out_migrants
UNION ALL
SELECT failure, month, area_level, area_code
FROM starts
WHERE population_start <> expected
UNION ALL
SELECT 'keys_not_matching' AS failure, month, area_level, area_code
FROM starts
WHERE population_start__ck <> expected__ck
