-- Mart youth_indicators (model 37): youth (15-24) unemployment and NEET.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. ILO 19th ICLS concepts; youth = aged 15-24
-- on the reference date (1 July), age from the population register (UN / ILO definition).
-- Grain: year × area (province, former district, 2025 commune; area of residence) × sex
--   ('Nam', 'Nữ', 'Tổng'). Sexes add to 'Tổng'; communes add to districts, districts to the
--   province.
-- youth_population: persons 15-24 living in the area (population register).
-- youth_with_record: of them, those with an accepted labour record; youth_labour_force =
--   youth_employed + youth_unemployed; youth_outside_labour_force; youth_in_education.
-- youth_neet: youth with a record who are not employed and not in education (SDG 8.6.1; the
--   register holds no training variable, so 'education or training' is read as education).
-- youth_unemployment_rate = 100 × youth_unemployed / youth_labour_force.
-- neet_rate = 100 × youth_neet / youth_with_record. Percent, 2 decimals; NULL when 0/0.
--   Published, every count is perturbed on its own (cell key method) and the rates are computed
--   from the published counts.
-- <count>__ck: the sum of the counted persons' record keys (youth_population has the key of
--   labour_indicators' working-age 15-24 of the same area and sex: the same persons).
CREATE OR REPLACE TABLE marts.youth_indicators AS
WITH facts AS (
    SELECT year, commune_code, sex, 0 AS youth_population, 1 AS youth_with_record,
           (employment_status IN ('employed', 'unemployed'))::INT AS youth_labour_force,
           (employment_status = 'employed')::INT AS youth_employed,
           (employment_status = 'unemployed')::INT AS youth_unemployed,
           (employment_status = 'outside')::INT AS youth_outside_labour_force,
           coalesce(in_education, FALSE)::INT AS youth_in_education,
           (employment_status <> 'employed' AND NOT coalesce(in_education, FALSE))::INT AS youth_neet,
           0::BIGINT AS population_key, count_key(record_key) AS record_key
    FROM staging.labour_status WHERE age_band = '15-24'
    UNION ALL
    SELECT year, commune_code, sex, persons, 0, 0, 0, 0, 0, 0, 0, persons__ck, 0
    FROM intermediate.labour_working_age WHERE age_band = '15-24'
),
by_area AS (
    SELECT f.year, m.area_level, m.area_code,
           CASE WHEN grouping(f.sex) = 1 THEN 'Tổng' ELSE f.sex END AS sex,
           sum(youth_population) AS youth_population, sum(population_key) AS youth_population__ck,
           sum(youth_with_record) AS youth_with_record, sum(youth_with_record * record_key) AS youth_with_record__ck,
           sum(youth_labour_force) AS youth_labour_force, sum(youth_labour_force * record_key) AS youth_labour_force__ck,
           sum(youth_employed) AS youth_employed, sum(youth_employed * record_key) AS youth_employed__ck,
           sum(youth_unemployed) AS youth_unemployed, sum(youth_unemployed * record_key) AS youth_unemployed__ck,
           sum(youth_outside_labour_force) AS youth_outside_labour_force, sum(youth_outside_labour_force * record_key) AS youth_outside_labour_force__ck,
           sum(youth_in_education) AS youth_in_education, sum(youth_in_education * record_key) AS youth_in_education__ck,
           sum(youth_neet) AS youth_neet, sum(youth_neet * record_key) AS youth_neet__ck
    FROM facts f JOIN reference.area_membership m USING (commune_code)
    GROUP BY GROUPING SETS ((f.year, m.area_level, m.area_code, f.sex),
                            (f.year, m.area_level, m.area_code))
),
counts AS (
    SELECT d.year, d.ref_date, a.area_level, a.area_code, a.area_name, a.parent_code, sx.sex,
           a.level_order, sx.sex_order,
           -- every count of the cell and its key, zero where the cell has no record
           coalesce(COLUMNS(b.* EXCLUDE (year, area_level, area_code, sex)), 0)::BIGINT
    FROM marts.labour_reference_dates d
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
    LEFT JOIN by_area b ON b.year = d.year AND b.area_level = a.area_level
        AND b.area_code = a.area_code AND b.sex = sx.sex
)
SELECT year, ref_date, area_level, area_code, area_name, parent_code, sex,
       youth_population, youth_with_record, youth_labour_force, youth_employed, youth_unemployed,
       youth_outside_labour_force, youth_in_education, youth_neet,
       round(100.0 * youth_unemployed / nullif(youth_labour_force, 0), 2)::DOUBLE
           AS youth_unemployment_rate,
       round(100.0 * youth_neet / nullif(youth_with_record, 0), 2)::DOUBLE AS neet_rate,
       youth_population__ck, youth_with_record__ck, youth_labour_force__ck, youth_employed__ck,
       youth_unemployed__ck, youth_outside_labour_force__ck, youth_in_education__ck,
       youth_neet__ck
FROM counts
ORDER BY year, level_order, area_code, sex_order;
