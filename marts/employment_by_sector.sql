-- Mart employment_by_sector (model 37): employed persons by economic sector.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. ILO 19th ICLS employment; working age 15+.
-- Grain: year × area (province, former district, 2025 commune; area of RESIDENCE, not of the
--   workplace) × sex ('Nam', 'Nữ', 'Tổng') × vsic_section: the VSIC 2018 sections A–U
--   (Decision 27/2018/QĐ-TTg), GSO's three broad sectors as rows of their own ('A' agriculture,
--   forestry and fishing is both a section and a broad sector; 'B-F' industry and construction;
--   'G-U' services) and 'Tổng', all employed persons (a record with no valid section is in
--   'Tổng' but in no section).
-- broad_sector / broad_sector_name: the broad sector of the row ('Tổng' for the total row).
-- employed: employed persons whose main job is in the row's section or broad sector.
-- share = 100 × employed / employed of the 'Tổng' row of the same year, area and sex. Percent,
--   2 decimals. Published, each count is perturbed on its own (cell key method), the broad
--   sectors and 'Tổng' are counted from the persons, and the shares are computed from the
--   published counts: sections do not add up to their sector exactly.
-- employed__ck: the sum of the counted persons' record keys ('Tổng' has the key of
--   labour_indicators' employed of the same year, area and sex: the same persons).
-- Counted and zero-filled by employed_by_row (marts/shared/macros.sql), as employment_by_occupation.
CREATE OR REPLACE TABLE marts.employment_by_sector AS
WITH persons AS (  -- noqa: ST03
    -- each employed person in each area of residence, in the rows of their section (A is a
    -- broad sector of its own) and of their broad sector
    SELECT l.year, m.area_level, m.area_code, l.sex, count_key(l.record_key) AS k,
           list_filter([CASE WHEN l.vsic_section <> 'A' THEN l.vsic_section END,
                        vsic_broad_sector(l.vsic_section)], c -> c IS NOT NULL) AS in_rows
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
),
row_codes AS (
    SELECT vsic_section AS row_code, vsic_name, broad_sector, broad_sector_name,
           vsic_section AS sort_key
    FROM marts.labour_vsic_sections
    UNION ALL
    SELECT * FROM (VALUES
        ('B-F', 'Công nghiệp và xây dựng', 'B-F', 'Công nghiệp và xây dựng', 'F~'),
        ('G-U', 'Dịch vụ', 'G-U', 'Dịch vụ', 'U~'),
        ('Tổng', 'Tổng số', 'Tổng', 'Tổng số', '~')) t (row_code, vsic_name, broad_sector,
                                                       broad_sector_name, sort_key)
),
-- the other inputs of employed_by_row, which reads them by name (hence noqa: ST03, unused CTE)
dates AS (SELECT * FROM marts.labour_reference_dates),  -- noqa: ST03
areas AS (SELECT * FROM reference.areas)  -- noqa: ST03
SELECT e.year, e.ref_date, e.area_level, e.area_code, e.area_name, e.parent_code, e.sex,
       v.row_code AS vsic_section, v.vsic_name, v.broad_sector, v.broad_sector_name,
       e.employed, e.share, e.employed__ck
FROM employed_by_row('persons', 'row_codes', 'dates', 'areas') e
JOIN row_codes v USING (row_code)
ORDER BY e.year, e.level_order, e.area_code, e.sex_order, v.sort_key;
