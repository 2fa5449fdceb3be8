-- Mart population_by_age_sex (model 36): population by sex and five-year age group.
-- Grain: ref_date × area (province, former district, 2025 commune) × sex ('Nam', 'Nữ',
--   'Tổng' = both) × age_group (0-4 … 75-79, 80+, 'Tổng' = all ages).
-- population: usual residents (permanent or temporary registration) living in the area at 00:00
--   on ref_date, reconstructed from the baseline snapshot plus accepted events (UN DESA,
--   Principles and Recommendations for Population and Housing Censuses, Rev. 3: population by
--   place of usual residence; GSO five-year age groups 0-4 … 75-79, 80+). Age in completed years.
-- Every combination of area, sex and age group is present (zero when nobody). The 'Tổng' rows
--   are counted from the persons, not summed from the published cells: each published count is
--   perturbed on its own (cell key method), so the published table is not additive.
-- population__ck: the sum of the counted persons' record keys (protection/cellkey.py; never
--   published).
CREATE OR REPLACE TABLE marts.population_by_age_sex AS
WITH cells AS (
    SELECT s.ref_date, m.area_level, m.area_code,
           CASE WHEN grouping(s.sex) = 1 THEN 'Tổng' ELSE s.sex END AS sex,
           CASE WHEN grouping(age_group(s.age)) = 1 THEN 'Tổng' ELSE age_group(s.age) END
               AS age_group,
           sum(s.population) AS population, sum(s.population__ck) AS population__ck
    FROM intermediate.population_ages s
    JOIN reference.area_membership m USING (commune_code)
    GROUP BY GROUPING SETS (
        (s.ref_date, m.area_level, m.area_code, s.sex, age_group(s.age)),
        (s.ref_date, m.area_level, m.area_code, s.sex),
        (s.ref_date, m.area_level, m.area_code, age_group(s.age)),
        (s.ref_date, m.area_level, m.area_code))
),
frame AS (
    SELECT d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, a.level_order,
           x.sex, x.sex_order, g.age_group, g.age_order
    FROM marts.reference_dates d
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) x (sex, sex_order)
    CROSS JOIN (SELECT age_group(i * 5) AS age_group, i AS age_order FROM range(17) t (i)
                UNION ALL SELECT 'Tổng', 17) g
)
SELECT f.ref_date, f.area_level, f.area_code, f.area_name, f.parent_code, f.sex, f.age_group,
       coalesce(c.population, 0)::BIGINT AS population,
       coalesce(c.population__ck, 0)::BIGINT AS population__ck
FROM frame f
LEFT JOIN cells c USING (ref_date, area_level, area_code, sex, age_group)
ORDER BY f.ref_date, f.level_order, f.area_code, f.sex_order, f.age_order;
