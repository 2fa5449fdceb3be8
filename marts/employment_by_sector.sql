-- Mart employment_by_sector (model 37): employed persons by economic sector.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. ILO 19th ICLS employment; working age 15+.
-- Grain: year × area (province, former district, 2025 commune; area of RESIDENCE, not of the
--   workplace) × sex ('Nam', 'Nữ', 'Tổng') × vsic_section (VSIC 2018 sections A–U, Decision
--   27/2018/QĐ-TTg), with GSO's three broad sectors: A 'Nông, lâm nghiệp và thủy sản',
--   B–F 'Công nghiệp và xây dựng', G–U 'Dịch vụ'.
-- employed: employed persons whose main job is in the section.
-- share = 100 × employed / all employed of the year, area and sex (labour_indicators.employed;
--   a record with no valid section is in that total but in no section). Percent, 2 decimals.
-- Sections add to the employed total; sexes add to 'Tổng'; communes to districts.
CREATE OR REPLACE TABLE marts.employment_by_sector AS
WITH by_area AS (
    SELECT l.year, m.area_level, m.area_code,
           CASE WHEN grouping(l.sex) = 1 THEN 'Tổng' ELSE l.sex END AS sex,
           coalesce(l.vsic_section, '?') AS vsic_section,
           count(*) AS employed
    FROM staging.labour_status l
    JOIN reference.area_membership m USING (commune_code)
    WHERE l.employment_status = 'employed'
    GROUP BY GROUPING SETS ((l.year, m.area_level, m.area_code, l.sex, coalesce(l.vsic_section, '?')),
                            (l.year, m.area_level, m.area_code, coalesce(l.vsic_section, '?')))
),
totals AS (
    SELECT year, area_level, area_code, sex, sum(employed) AS all_employed
    FROM by_area GROUP BY ALL
)
SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
       v.vsic_section, v.vsic_name, v.broad_sector, v.broad_sector_name,
       coalesce(b.employed, 0)::BIGINT AS employed,
       round(100.0 * coalesce(b.employed, 0) / nullif(t.all_employed, 0), 2) AS share
FROM marts.labour_reference_dates d
CROSS JOIN reference.areas a
CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
CROSS JOIN marts.labour_vsic_sections v
LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
    AND b.area_code = a.area_code AND b.sex = sx.sex AND b.vsic_section = v.vsic_section
LEFT JOIN totals t ON t.year = d.year AND t.area_level = a.area_level
    AND t.area_code = a.area_code AND t.sex = sx.sex
ORDER BY d.year, a.level_order, a.area_code, sx.sex_order, v.vsic_section;
