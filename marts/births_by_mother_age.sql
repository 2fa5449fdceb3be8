-- Mart births_by_mother_age (model 36; input of the population projection, issue 21): live
-- births by the mother's five-year age group, per calendar year, for the province.
-- Grain: year × area (the province only) × mother_age_group.
-- year: a calendar year fully covered by the monthly events (the population is known on 1 January
--   of that year and of the next).
-- area_level, area_code, area_name: the province ('province', GSO code 52, former Bình Định).
-- mother_age_group: the mother's age in completed years on the birth date, in the five-year
--   groups of the reproductive ages '15-19' … '45-49' (UN DESA, Principles and Recommendations
--   for a Vital Statistics System, Rev. 3: births by age of mother). As in the UN's and GSO's
--   age-specific fertility rates, births to mothers under 15 are counted in '15-19' and births
--   to mothers aged 50 or more in '45-49'. 'unknown': the birth record names no mother, or a
--   mother the register does not know (or whose age on the birth date is below 10 or above 59,
--   an implausible link); the projection distributes these pro rata over the known groups.
-- age_from: the lower bound of the group in years (NULL for 'unknown'), for ordering.
-- births: accepted births to residents of the area in the year they happened (event_date), as
--   counted in population_change (UN DESA, Vital Statistics Rev. 3). With the women of the group
--   (population_by_single_age) they give the age-specific fertility rates of a cohort-component
--   projection (UN, Manual III: Methods for Population Projections by Sex and Age, 1956).
-- Every combination of year and group is present (zero when none).
-- births__ck: the sum of the newborns' record keys (cell key method; never published).
CREATE OR REPLACE TABLE marts.births_by_mother_age AS
WITH births AS (
    -- the births population_change counts: a person entering an area of the province by birth
    SELECT year(s.valid_from) AS year, age_on(mo.date_of_birth, s.valid_from) AS mother_age,
           count_key(s.rk) AS k
    FROM intermediate.person_states s
    JOIN staging.events e ON e._source_file = s.source_file AND e._row_number = s.row_number
    LEFT JOIN staging.persons mo ON mo.person_key = e.mother_key
    WHERE s.event_type = 'birth' AND s.commune_code IS NOT NULL
      AND s.previous_commune_code IS DISTINCT FROM s.commune_code
),
grouped AS (
    SELECT year,
           CASE WHEN mother_age IS NULL OR mother_age < 10 OR mother_age > 59 THEN 'unknown'
                WHEN mother_age < 20 THEN '15-19'
                WHEN mother_age >= 45 THEN '45-49'
                ELSE age_group(mother_age) END AS mother_age_group,
           count(*) AS births, sum(k) AS births__ck
    FROM births
    GROUP BY ALL
),
age_groups AS (
    SELECT age_group(i * 5) AS mother_age_group, i * 5 AS age_from FROM range(3, 10) t (i)
    UNION ALL
    SELECT 'unknown', NULL
),
frame AS (
    SELECT y.year, a.area_level, a.area_code, a.area_name, g.mother_age_group, g.age_from
    FROM intermediate.calendar_years y
    CROSS JOIN reference.areas a
    CROSS JOIN age_groups g
    WHERE a.area_level = 'province'
)
SELECT f.year, f.area_level, f.area_code, f.area_name, f.mother_age_group,
       f.age_from::INTEGER AS age_from, coalesce(b.births, 0)::BIGINT AS births,
       coalesce(b.births__ck, 0)::BIGINT AS births__ck
FROM frame f
LEFT JOIN grouped b USING (year, mother_age_group)
ORDER BY f.year, f.age_from NULLS LAST;
