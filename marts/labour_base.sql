-- Intermediate (not published) tables behind the model 37 marts. REGISTER-BASED: built from the
-- labour-market register linked to the population register, not from the labour force survey.
--
-- labour_reference_dates: per year, the reference date of the labour register (1 July; the
--   date most records carry when a file holds several).
-- labour_working_age: persons aged 15+ living in each 2025 commune at 00:00 of the reference
--   date, or arriving that day by the population register (snapshot plus accepted events, intermediate.person_states), by
--   sex and age band: the working-age population (ILO 19th ICLS: working age 15 and over, no
--   upper limit). Age and sex from the register.
-- labour_vsic_sections / labour_vsco_groups: VSIC 2018 sections (Decision 27/2018/QĐ-TTg) with
--   GSO's three broad sectors, and VSCO 2008 level-1 groups (Decision 1019/QĐ-TCTK).
CREATE OR REPLACE TABLE marts.labour_reference_dates AS
SELECT year, arg_max(ref_date, n) AS ref_date
FROM (SELECT year, ref_date, count(*) AS n FROM staging.labour_status GROUP BY ALL)
GROUP BY year
ORDER BY year;

CREATE OR REPLACE TABLE intermediate.labour_working_age AS
WITH latest AS (
    -- living in the area at 00:00 of the reference date, or arriving that day (its commune at
    -- the end of the day): the persons labour staging links records to (stage_labour.sql)
    SELECT d.year, d.ref_date, s.person_key, any_value(s.rk) AS rk,
           coalesce(
               arg_max_null(s.commune_code, (s.valid_from, s.step, s.source_file, s.row_number))
                   FILTER (WHERE s.valid_from < d.ref_date),
               arg_max_null(s.commune_code, (s.valid_from, s.step, s.source_file, s.row_number))
           ) AS commune_code
    FROM marts.labour_reference_dates d
    JOIN intermediate.person_states s ON s.valid_from <= d.ref_date
    GROUP BY ALL
)
SELECT l.year, l.ref_date, l.commune_code, a.sex,
       labour_age_band(age_on(a.date_of_birth, l.ref_date)) AS age_band,
       count(*) AS persons, sum(count_key(l.rk)) AS persons__ck
FROM latest l
JOIN staging.persons a USING (person_key)  -- birth dates stay in staging: only the band leaves
WHERE l.commune_code IS NOT NULL AND age_on(a.date_of_birth, l.ref_date) >= 15
GROUP BY ALL;

CREATE OR REPLACE TABLE marts.labour_vsic_sections AS
SELECT section AS vsic_section, name AS vsic_name, vsic_broad_sector(section) AS broad_sector,
       CASE vsic_broad_sector(section)
           WHEN 'A' THEN 'Nông, lâm nghiệp và thủy sản'
           WHEN 'B-F' THEN 'Công nghiệp và xây dựng'
           ELSE 'Dịch vụ' END AS broad_sector_name
FROM (VALUES
    ('A', 'Nông nghiệp, lâm nghiệp và thủy sản'),
    ('B', 'Khai khoáng'),
    ('C', 'Công nghiệp chế biến, chế tạo'),
    ('D', 'Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí'),
    ('E', 'Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải'),
    ('F', 'Xây dựng'),
    ('G', 'Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác'),
    ('H', 'Vận tải kho bãi'),
    ('I', 'Dịch vụ lưu trú và ăn uống'),
    ('J', 'Thông tin và truyền thông'),
    ('K', 'Hoạt động tài chính, ngân hàng và bảo hiểm'),
    ('L', 'Hoạt động kinh doanh bất động sản'),
    ('M', 'Hoạt động chuyên môn, khoa học và công nghệ'),
    ('N', 'Hoạt động hành chính và dịch vụ hỗ trợ'),
    ('O', 'Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý Nhà nước, an ninh quốc phòng; bảo đảm xã hội bắt buộc'),
    ('P', 'Giáo dục và đào tạo'),
    ('Q', 'Y tế và hoạt động trợ giúp xã hội'),
    ('R', 'Nghệ thuật, vui chơi và giải trí'),
    ('S', 'Hoạt động dịch vụ khác'),
    ('T', 'Hoạt động làm thuê các công việc trong các hộ gia đình, sản xuất sản phẩm vật chất và dịch vụ tự tiêu dùng của hộ gia đình'),
    ('U', 'Hoạt động của các tổ chức và cơ quan quốc tế')
) t (section, name);

CREATE OR REPLACE TABLE marts.labour_vsco_groups AS
SELECT * FROM (VALUES
    ('1', 'Nhà lãnh đạo trong các ngành, các cấp và các đơn vị'),
    ('2', 'Nhà chuyên môn bậc cao'),
    ('3', 'Nhà chuyên môn bậc trung'),
    ('4', 'Nhân viên trợ lý văn phòng'),
    ('5', 'Nhân viên dịch vụ và bán hàng'),
    ('6', 'Lao động có kỹ năng trong nông nghiệp, lâm nghiệp và thủy sản'),
    ('7', 'Lao động thủ công và các nghề nghiệp có liên quan khác'),
    ('8', 'Thợ lắp ráp và vận hành máy móc, thiết bị'),
    ('9', 'Lao động giản đơn'),
    ('0', 'Lực lượng quân đội')
) t (occupation_code, occupation_name);

-- warehouses built before the person-level working tables left `marts`
DROP TABLE IF EXISTS marts.labour_working_age;
