-- Mart population_by_single_age (model 36; input of the population projection, issue 21): the
-- province's population by sex and single year of age on each reference date.
-- Grain: ref_date × area (the province only) × sex × age.
-- ref_date: the reference dates of population_by_age_sex (the baseline, 1 January of each
--   covered year — 00:00 that day, the same as the end of 31 December — and the day after the
--   last covered month).
-- area_level, area_code, area_name: the province ('province', GSO code 52, former Bình Định).
-- sex: Nam / Nữ.
-- age: age in completed years on ref_date, 0 … 100; 100 is the open age group 100 and over.
-- population: usual residents (permanent or temporary registration) living in the area at 00:00
--   on ref_date, as in population_by_age_sex (UN DESA, Principles and Recommendations for
--   Population and Housing Censuses, Rev. 3: population by place of usual residence). A
--   cohort-component projection starts from the population by sex and single years of age (UN,
--   Manual III: Methods for Population Projections by Sex and Age, 1956, ch. II and IV).
-- Every combination of sex and age is present (zero when nobody). population__ck: the sum of
-- the persons' record keys (cell key method; never published). Province only: the smallest
-- detail the projection needs (communes and districts come from population_by_age_sex).
CREATE OR REPLACE TABLE marts.population_by_single_age AS
WITH cells AS (
    SELECT s.ref_date, m.area_code, s.sex, least(s.age, 100) AS age, sum(s.population) AS population,
           sum(s.population__ck) AS population__ck
    FROM intermediate.population_ages s
    JOIN reference.area_membership m USING (commune_code)
    WHERE m.area_level = 'province'
    GROUP BY ALL
),
frame AS (
    SELECT d.ref_date, a.area_level, a.area_code, a.area_name, x.sex, t.age
    FROM marts.reference_dates d
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam'), ('Nữ')) x (sex)
    CROSS JOIN range(101) t (age)
    WHERE a.area_level = 'province'
)
SELECT f.ref_date, f.area_level, f.area_code, f.area_name, f.sex, f.age::INTEGER AS age,
       coalesce(c.population, 0)::BIGINT AS population,
       coalesce(c.population__ck, 0)::BIGINT AS population__ck
FROM frame f
LEFT JOIN cells c USING (ref_date, area_code, sex, age)
ORDER BY f.ref_date, f.sex, f.age;
