-- Mart deaths_by_age_sex (model 36; input of the population projection, issue 21): deaths by
-- sex and age at death, per calendar year, for the province.
-- Grain: year × area (the province only) × sex × age_group.
-- year: a calendar year fully covered by the monthly events (the population is known on 1 January
--   of that year and of the next).
-- area_level, area_code, area_name: the province ('province', GSO code 52, former Bình Định).
-- sex: Nam / Nữ.
-- age_group: age at death in completed years, in the groups of an abridged life table: '0',
--   '1-4', '5-9' … '90-94', '95+' (UN DESA, Principles and Recommendations for a Vital
--   Statistics System, Rev. 3: deaths by age and sex; UN, Manual III: Methods for Population
--   Projections by Sex and Age, 1956, and Manual X, for the age-specific death rates).
-- age_from: the lower bound of the group in years (0, 1, 5, 10 … 95), for ordering and for the
--   projection's rates.
-- deaths: accepted deaths of residents of the area in the year they happened (event_date), as
--   counted in population_change. With the population of the same sex and ages
--   (population_by_single_age, mean of 1 January of the year and of the next: the person-years
--   lived) they give the age- and sex-specific death rates.
-- Every combination of year, sex and group is present (zero when none).
-- deaths__ck: the sum of the deceased persons' record keys (cell key method; never published).
CREATE OR REPLACE TABLE marts.deaths_by_age_sex AS
WITH age_groups AS (
    SELECT 0 AS age_from, '0' AS age_group
    UNION ALL
    SELECT 1, '1-4'
    UNION ALL
    -- five-year groups up to 90-94 (age_group() stops at 80+)
    SELECT i * 5, (i * 5)::VARCHAR || '-' || (i * 5 + 4)::VARCHAR FROM range(1, 19) t (i)
    UNION ALL
    SELECT 95, '95+'
),
deaths AS (
    -- the deaths population_change counts: a person leaving an area of the province by death
    SELECT year(s.valid_from) AS year, s.sex, age_on(p.date_of_birth, s.valid_from) AS age,
           count_key(s.rk) AS k
    FROM intermediate.person_states s
    JOIN staging.persons p USING (person_key)
    WHERE s.event_type = 'death' AND s.previous_commune_code IS NOT NULL AND s.commune_code IS NULL
),
grouped AS (
    SELECT year, sex,
           CASE WHEN age < 1 THEN 0 WHEN age < 5 THEN 1 ELSE least(age // 5, 19) * 5 END AS age_from,
           count(*) AS deaths, sum(k) AS deaths__ck
    FROM deaths
    GROUP BY ALL
),
frame AS (
    SELECT y.year, a.area_level, a.area_code, a.area_name, x.sex, g.age_group, g.age_from
    FROM intermediate.calendar_years y
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam'), ('Nữ')) x (sex)
    CROSS JOIN age_groups g
    WHERE a.area_level = 'province'
)
SELECT f.year, f.area_level, f.area_code, f.area_name, f.sex, f.age_group,
       f.age_from::INTEGER AS age_from, coalesce(d.deaths, 0)::BIGINT AS deaths,
       coalesce(d.deaths__ck, 0)::BIGINT AS deaths__ck
FROM frame f
LEFT JOIN grouped d USING (year, sex, age_from)
ORDER BY f.year, f.sex, f.age_from;
