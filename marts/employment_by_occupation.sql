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
-- Counted and zero-filled by employed_by_row (marts/shared/macros.sql), as employment_by_sector.
CREATE OR REPLACE TABLE marts.employment_by_occupation AS
WITH persons AS (  -- noqa: ST03
    -- each employed person in each area of residence, in the row of their occupation group
    SELECT l.year, m.area_level, m.area_code, l.sex, count_key(l.record_key) AS k,
           list_filter([l.occupation_code], c -> c IS NOT NULL) AS in_rows
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
),
groups AS (
    SELECT occupation_code AS row_code, occupation_name, occupation_code AS sort_key
    FROM marts.labour_vsco_groups
    UNION ALL SELECT 'Tổng', 'Tổng số', '~'
),
-- the other inputs of employed_by_row, which reads them by name (hence noqa: ST03, unused CTE)
dates AS (SELECT * FROM marts.labour_reference_dates),  -- noqa: ST03
areas AS (SELECT * FROM reference.areas)  -- noqa: ST03
SELECT e.year, e.ref_date, e.area_level, e.area_code, e.area_name, e.parent_code, e.sex,
       g.row_code AS occupation_code, g.occupation_name, e.employed, e.share, e.employed__ck
FROM employed_by_row('persons', 'groups', 'dates', 'areas') e
JOIN groups g USING (row_code)
ORDER BY e.year, e.level_order, e.area_code, e.sex_order, g.sort_key;
