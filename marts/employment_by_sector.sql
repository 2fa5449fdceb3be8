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
CREATE OR REPLACE TABLE marts.employment_by_sector AS
WITH employed AS (
    SELECT l.year, m.area_level, m.area_code, l.sex, l.vsic_section,
           vsic_broad_sector(l.vsic_section) AS broad_sector, count_key(l.record_key) AS k
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
),
rows_of AS (
    -- each employed person in the row of the section, of the broad sector and of 'Tổng'
    SELECT year, area_level, area_code, sex, vsic_section AS row_code, k
    FROM employed WHERE vsic_section IS NOT NULL AND vsic_section <> 'A'
    UNION ALL
    SELECT year, area_level, area_code, sex, broad_sector, k
    FROM employed WHERE broad_sector IS NOT NULL
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
row_codes AS (
    SELECT vsic_section, vsic_name, broad_sector, broad_sector_name, vsic_section AS sort_key
    FROM marts.labour_vsic_sections
    UNION ALL
    SELECT * FROM (VALUES
        ('B-F', 'Công nghiệp và xây dựng', 'B-F', 'Công nghiệp và xây dựng', 'F~'),
        ('G-U', 'Dịch vụ', 'G-U', 'Dịch vụ', 'U~'),
        ('Tổng', 'Tổng số', 'Tổng', 'Tổng số', '~')) t (vsic_section, vsic_name, broad_sector,
                                                       broad_sector_name, sort_key)
)
SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
       v.vsic_section, v.vsic_name, v.broad_sector, v.broad_sector_name,
       coalesce(b.employed, 0)::BIGINT AS employed,
       round(100.0 * coalesce(b.employed, 0) / nullif(t.employed, 0), 2)::DOUBLE AS share,
       coalesce(b.employed__ck, 0)::BIGINT AS employed__ck
FROM marts.labour_reference_dates d
CROSS JOIN reference.areas a
CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
CROSS JOIN row_codes v
LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
    AND b.area_code = a.area_code AND b.sex = sx.sex AND b.row_code = v.vsic_section
LEFT JOIN by_area t ON t.year = d.year AND t.area_level = a.area_level
    AND t.area_code = a.area_code AND t.sex = sx.sex AND t.row_code = 'Tổng'
ORDER BY d.year, a.level_order, a.area_code, sx.sex_order, v.sort_key;
