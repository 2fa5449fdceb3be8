-- Mart migration_by_age_sex (model 36; input of the population projection, issue 21): persons
-- who moved into and out of the province, by sex and five-year age group, per calendar year.
-- Grain: year × area (the province only) × sex × age_group.
-- year: a calendar year fully covered by the monthly events (the population is known on 1 January
--   of that year and of the next).
-- area_level, area_code, area_name: the province ('province', GSO code 52, former Bình Định).
-- sex: Nam / Nữ.
-- age_group: age in completed years on the day of the move, five-year groups 0-4 … 75-79, 80+
--   (GSO). age_from: the lower bound of the group in years, for ordering.
-- in_migrants: persons who took up usual residence in the province in the year, coming from
--   another province or from abroad; out_migrants: residents who left it for another province or
--   abroad. Moves between communes of the province are not migration of the province. As in
--   population_change at province level (UN DESA, Recommendations on Statistics of International
--   Migration, Rev. 1, and internal-migration practice: a migrant changes usual residence across
--   the area's boundary). The projection uses them as age- and sex-specific out-migration rates
--   and in-migrant numbers (UN, Manual III: Methods for Population Projections by Sex and Age,
--   1956, ch. IV on migration in the component method).
-- Every combination of year, sex and group is present (zero when nobody).
-- in_migrants__ck, out_migrants__ck: sums of the movers' record keys (cell key method).
CREATE OR REPLACE TABLE marts.migration_by_age_sex AS
WITH moves AS (
    -- state changes across the province boundary that are neither births nor deaths
    SELECT year(s.valid_from) AS year, s.sex,
           least(age_on(p.date_of_birth, s.valid_from) // 5, 16) * 5 AS age_from,
           s.previous_commune_code IS NULL AS moved_in, count_key(s.rk) AS k
    FROM intermediate.person_states s
    JOIN staging.persons p USING (person_key)
    WHERE s.event_type NOT IN ('snapshot', 'birth', 'death')
      AND (s.previous_commune_code IS NULL) <> (s.commune_code IS NULL)
),
grouped AS (
    SELECT year, sex, age_from, count_if(moved_in) AS in_migrants,
           coalesce(sum(k) FILTER (WHERE moved_in), 0) AS in_migrants__ck,
           count_if(NOT moved_in) AS out_migrants,
           coalesce(sum(k) FILTER (WHERE NOT moved_in), 0) AS out_migrants__ck
    FROM moves
    GROUP BY ALL
),
frame AS (
    SELECT y.year, a.area_level, a.area_code, a.area_name, x.sex, age_group(g.i * 5) AS age_group,
           g.i * 5 AS age_from
    FROM intermediate.calendar_years y
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam'), ('Nữ')) x (sex)
    CROSS JOIN range(17) g (i)
    WHERE a.area_level = 'province'
)
SELECT f.year, f.area_level, f.area_code, f.area_name, f.sex, f.age_group,
       f.age_from::INTEGER AS age_from,
       coalesce(m.in_migrants, 0)::BIGINT AS in_migrants,
       coalesce(m.out_migrants, 0)::BIGINT AS out_migrants,
       coalesce(m.in_migrants__ck, 0)::BIGINT AS in_migrants__ck,
       coalesce(m.out_migrants__ck, 0)::BIGINT AS out_migrants__ck
FROM frame f
LEFT JOIN grouped m USING (year, sex, age_from)
ORDER BY f.year, f.sex, f.age_from;
