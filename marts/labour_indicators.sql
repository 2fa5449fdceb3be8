-- Mart labour_indicators (model 37): labour force, employment and unemployment.
-- REGISTER-BASED FIGURES from the labour-market register linked to the population register
-- (Project 06), NOT labour force survey estimates. Concepts of the ILO 19th ICLS resolution
-- (2013) on work statistics; working age 15 and over (no upper limit), as GSO uses.
-- Grain: year × area (province, former district, 2025 commune; area of RESIDENCE on the
--   reference date, 1 July, by the population register) × sex ('Nam', 'Nữ', 'Tổng' = both) ×
--   age_band (15-24, 25-34, 35-44, 45-54, 55-64, 65+, 'Tổng' = all 15+). Sexes add to 'Tổng',
--   age bands add to 'Tổng', communes add to their former district, districts to the province.
-- working_age_population: persons 15+ living in the area on the reference date (population
--   register), whether or not the labour register holds an accepted record for them.
-- labour_force = employed + unemployed; outside_labour_force: persons recorded outside it.
-- no_labour_record = working_age_population − labour_force − outside_labour_force (persons of
--   working age without an accepted labour record: missing or quarantined).
-- labour_force_participation_rate = 100 × labour_force / (labour_force + outside_labour_force);
-- employment_to_population_ratio = 100 × employed / (labour_force + outside_labour_force):
--   the denominator is the working-age persons WITH a labour status (those without a record are
--   left out rather than assumed outside the labour force).
-- unemployment_rate = 100 × unemployed / labour_force (ILO).
-- informal_employed / informal_employment_rate (100 × informal_employed / employed): register-
--   based operational definition after the ILO 17th ICLS guidelines (2003) and 21st ICLS (2023):
--   contributing family workers always; employees without social insurance paid for them;
--   employers and own-account workers without social insurance (proxy for an unregistered
--   household business). Unknown insurance counts as none. Macro is_informal in quality/rules.sql.
-- Rates in percent, 2 decimals; NULL when the denominator is 0. Published, every count is
--   perturbed on its own (cell key method) and every rate is computed from the published counts.
-- <count>__ck: the sum of the counted persons' record keys (the same person key as in model 36:
--   a cell of the same persons has the same key everywhere). no_labour_record's key is the
--   working-age key less the keys of the persons with a status (they are among them).
CREATE OR REPLACE TABLE marts.labour_indicators AS
WITH status AS (
    SELECT year, commune_code, sex, age_band,
           0 AS wap, 0 AS wap__ck,
           count_if(employment_status IN ('employed', 'unemployed')) AS labour_force,
           coalesce(sum(count_key(record_key))
               FILTER (WHERE employment_status IN ('employed', 'unemployed')), 0) AS labour_force__ck,
           count_if(employment_status = 'employed') AS employed,
           coalesce(sum(count_key(record_key)) FILTER (WHERE employment_status = 'employed'), 0)
               AS employed__ck,
           count_if(employment_status = 'unemployed') AS unemployed,
           coalesce(sum(count_key(record_key)) FILTER (WHERE employment_status = 'unemployed'), 0)
               AS unemployed__ck,
           count_if(employment_status = 'outside') AS outside_labour_force,
           coalesce(sum(count_key(record_key)) FILTER (WHERE employment_status = 'outside'), 0)
               AS outside_labour_force__ck,
           count_if(informal) AS informal_employed,
           coalesce(sum(count_key(record_key)) FILTER (WHERE informal), 0) AS informal_employed__ck
    FROM staging.labour_status GROUP BY ALL
    UNION ALL
    SELECT year, commune_code, sex, age_band, persons, persons__ck, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM intermediate.labour_working_age
),
by_area AS (
    SELECT s.year, m.area_level, m.area_code,
           CASE WHEN grouping(s.sex) = 1 THEN 'Tổng' ELSE s.sex END AS sex,
           CASE WHEN grouping(s.age_band) = 1 THEN 'Tổng' ELSE s.age_band END AS age_band,
           sum(wap) AS working_age_population, sum(wap__ck) AS working_age_population__ck,
           sum(labour_force) AS labour_force, sum(labour_force__ck) AS labour_force__ck,
           sum(employed) AS employed, sum(employed__ck) AS employed__ck,
           sum(unemployed) AS unemployed, sum(unemployed__ck) AS unemployed__ck,
           sum(outside_labour_force) AS outside_labour_force,
           sum(outside_labour_force__ck) AS outside_labour_force__ck,
           sum(informal_employed) AS informal_employed,
           sum(informal_employed__ck) AS informal_employed__ck
    FROM status s
    JOIN reference.area_membership m USING (commune_code)
    GROUP BY GROUPING SETS ((s.year, m.area_level, m.area_code, s.sex, s.age_band),
                            (s.year, m.area_level, m.area_code, s.sex),
                            (s.year, m.area_level, m.area_code, s.age_band),
                            (s.year, m.area_level, m.area_code))
),
frame AS (
    SELECT d.year, d.ref_date, a.*, sx.sex, sx.sex_order, ab.age_band, ab.band_order
    FROM marts.labour_reference_dates d
    CROSS JOIN reference.areas a
    CROSS JOIN (VALUES ('Nam', 1), ('Nữ', 2), ('Tổng', 3)) sx (sex, sex_order)
    CROSS JOIN (VALUES ('15-24', 1), ('25-34', 2), ('35-44', 3), ('45-54', 4), ('55-64', 5),
                       ('65+', 6), ('Tổng', 7)) ab (age_band, band_order)
),
counts AS (
    SELECT f.year, f.ref_date, f.area_level, f.area_code, f.area_name, f.parent_code,
           f.sex, f.age_band, f.level_order, f.sex_order, f.band_order,
           -- every count of the cell and its key, zero where the cell has no record
           coalesce(COLUMNS(b.* EXCLUDE (year, area_level, area_code, sex, age_band)), 0)::BIGINT
    FROM frame f
    LEFT JOIN by_area b ON b.year = f.year AND b.area_level = f.area_level
        AND b.area_code = f.area_code AND b.sex = f.sex AND b.age_band = f.age_band
)
SELECT year, ref_date, area_level, area_code, area_name, parent_code, sex, age_band,
       working_age_population,
       working_age_population - labour_force - outside_labour_force AS no_labour_record,
       labour_force, employed, unemployed, outside_labour_force, informal_employed,
       round(100.0 * labour_force / nullif(labour_force + outside_labour_force, 0), 2)::DOUBLE
           AS labour_force_participation_rate,
       round(100.0 * employed / nullif(labour_force + outside_labour_force, 0), 2)::DOUBLE
           AS employment_to_population_ratio,
       round(100.0 * unemployed / nullif(labour_force, 0), 2)::DOUBLE AS unemployment_rate,
       round(100.0 * informal_employed / nullif(employed, 0), 2)::DOUBLE AS informal_employment_rate,
       working_age_population__ck,
       working_age_population__ck - labour_force__ck - outside_labour_force__ck
           AS no_labour_record__ck,
       labour_force__ck, employed__ck, unemployed__ck, outside_labour_force__ck,
       informal_employed__ck
FROM counts
ORDER BY year, level_order, area_code, sex_order, band_order;
