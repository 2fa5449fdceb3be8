-- Mart employment_by_occupation (model 37): employed persons by occupation.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. ILO 19th ICLS employment; working age 15+.
-- Grain: year × area (province, former district, 2025 commune; area of residence) × sex
--   ('Nam', 'Nữ', 'Tổng') × occupation_code: the ten major groups of the Vietnam Standard
--   Classification of Occupations VSCO 2008 (Decision 1019/QĐ-TCTK; ISCO-08 major groups),
--   1 leaders … 9 elementary occupations, 0 armed forces.
-- employed: employed persons whose main job is in the group.
-- share = 100 × employed / all employed of the year, area and sex. Percent, 2 decimals.
-- Groups add to the employed total; sexes add to 'Tổng'; communes to districts.
CREATE OR REPLACE TABLE marts.employment_by_occupation AS
WITH by_area AS (
    SELECT l.year, m.area_level, m.area_code,
           CASE WHEN grouping(l.sex) = 1 THEN 'Tổng' ELSE l.sex END AS sex,
           coalesce(l.occupation_code, '?') AS occupation_code,
           count(*) AS employed
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
    GROUP BY GROUPING SETS ((l.year, m.area_level, m.area_code, l.sex, coalesce(l.occupation_code, '?')),
                            (l.year, m.area_level, m.area_code, coalesce(l.occupation_code, '?')))
),
totals AS (
    SELECT year, area_level, area_code, sex, sum(employed) AS all_employed
    FROM by_area GROUP BY ALL
)
SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
       o.occupation_code, o.occupation_name,
       coalesce(b.employed, 0)::BIGINT AS employed,
       round(100.0 * coalesce(b.employed, 0) / nullif(t.all_employed, 0), 2) AS share
FROM marts.labour_reference_dates d
CROSS JOIN reference.areas a
CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
CROSS JOIN marts.labour_vsco_groups o
LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
    AND b.area_code = a.area_code AND b.sex = sx.sex AND b.occupation_code = o.occupation_code
LEFT JOIN totals t ON t.year = d.year AND t.area_level = a.area_level
    AND t.area_code = a.area_code AND t.sex = sx.sex
ORDER BY d.year, a.level_order, a.area_code, sx.sex_order, o.occupation_code;
