-- Mart employment_by_occupation (model 37): employed persons by occupation.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. ILO 19th ICLS employment; working age 15+.
-- Grain: year × area (province, former district, 2025 commune; area of residence) × sex
--   ('Nam', 'Nữ', 'Tổng') × occupation_code: the ten major groups of the Vietnam Standard
--   Classification of Occupations VSCO 2008 (Decision 1019/QĐ-TCTK; ISCO-08 major groups),
--   1 leaders … 9 elementary occupations, 0 armed forces, and 'Tổng', all employed persons (a
--   record with no valid group is in 'Tổng' but in no group).
-- employed: employed persons whose main job is in the group.
-- share = 100 × employed / employed of the 'Tổng' row of the same year, area and sex. Percent,
--   2 decimals, computed from the published (perturbed) counts when published.
-- employed__ck: the sum of the counted persons' record keys.
CREATE OR REPLACE TABLE marts.employment_by_occupation AS
WITH employed AS (
    SELECT l.year, m.area_level, m.area_code, l.sex, l.occupation_code,
           count_key(l.record_key) AS k
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
),
rows_of AS (
    SELECT year, area_level, area_code, sex, occupation_code AS row_code, k
    FROM employed WHERE occupation_code IS NOT NULL
    UNION ALL
    SELECT year, area_level, area_code, sex, 'Tổng', k FROM employed
),
by_area AS (
    SELECT year, area_level, area_code,
           CASE WHEN grouping(sex) = 1 THEN 'Tổng' ELSE sex END AS sex,
           row_code, count(*) AS employed, sum(k) AS employed__ck
    FROM rows_of
    GROUP BY GROUPING SETS ((year, area_level, area_code, sex, row_code),
                            (year, area_level, area_code, row_code))
),
groups AS (
    SELECT occupation_code, occupation_name, occupation_code AS sort_key
    FROM marts.labour_vsco_groups
    UNION ALL SELECT 'Tổng', 'Tổng số', '~'
)
SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
       o.occupation_code, o.occupation_name,
       coalesce(b.employed, 0)::BIGINT AS employed,
       round(100.0 * coalesce(b.employed, 0) / nullif(t.employed, 0), 2)::DOUBLE AS share,
       coalesce(b.employed__ck, 0)::BIGINT AS employed__ck
FROM marts.labour_reference_dates d
CROSS JOIN reference.areas a
CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
CROSS JOIN groups o
LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
    AND b.area_code = a.area_code AND b.sex = sx.sex AND b.row_code = o.occupation_code
LEFT JOIN by_area t ON t.year = d.year AND t.area_level = a.area_level
    AND t.area_code = a.area_code AND t.sex = sx.sex AND t.row_code = 'Tổng'
ORDER BY d.year, a.level_order, a.area_code, sx.sex_order, o.sort_key;
