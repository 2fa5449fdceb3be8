-- A failing row: a labour register file of which 2 % or more of the records were rejected
-- (failure files_rejected_2_pct_or_more, one row per file), or the accepted records of which 1 %
-- or more disagree with the population register on sex or birth date
-- (failure register_disagreement_1_pct_or_more, one row). Shares are rounded to 0.001 %.
WITH received AS (
    SELECT _source_file AS source_file, count(*) AS n FROM raw.labour_status GROUP BY 1
),

rejected AS (
    SELECT _source_file AS source_file, count(*) AS n FROM quarantine.labour_status GROUP BY 1
),

disagreement AS (
    SELECT round(100.0 * count_if(fix_sex_differs_from_register
                                   OR fix_birth_date_differs_from_register)
                 / nullif(count(*), 0), 3) AS pct
    FROM staging.labour_status
)

SELECT 'files_rejected_2_pct_or_more' AS failure, i.source_file
FROM received i
LEFT JOIN rejected q USING (source_file)
WHERE round(100.0 * coalesce(q.n, 0) / i.n, 3) >= 2.0
UNION ALL
SELECT 'register_disagreement_1_pct_or_more' AS failure, NULL
FROM disagreement
WHERE coalesce(pct, 0.0) >= 1.0
