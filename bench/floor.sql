-- The floor: the population aggregation done as one plain DuckDB script over the same files,
-- with no lineage, no rules beyond the essentials, no validation, no publication.
-- Read the snapshot, pseudonymise the ID (same HMAC-SHA256 construction as the pipeline),
-- and count residents by commune, sex and five-year age group.
CREATE OR REPLACE TABLE floor_residents AS
SELECT sha256(unhex('{OUTER}') || unhex(sha256(unhex('{INNER}') || encode(trim(person_id))))) AS person_key,
       sex, try_strptime(date_of_birth, ['%d/%m/%Y', '%Y-%m-%d', '%d-%m-%Y', '%d.%m.%Y'])::DATE AS dob,
       commune_code
FROM read_csv('{RESIDENTS}', all_varchar = true, header = true,
              names = ['person_id', 'full_name', 'sex', 'date_of_birth', 'ethnicity_code', 'religion',
                       'nationality', 'household_id', 'relation_to_head', 'marital_status',
                       'education_level', 'commune_code', 'residence_type', 'status']);
CREATE OR REPLACE TABLE floor_aggregate AS
SELECT commune_code, sex,
       CASE WHEN date_diff('year', dob, DATE '2024-01-01') >= 80 THEN '80+'
            ELSE (date_diff('year', dob, DATE '2024-01-01') // 5 * 5)::VARCHAR END AS age_group,
       count(DISTINCT person_key) AS population
FROM floor_residents GROUP BY ALL;
