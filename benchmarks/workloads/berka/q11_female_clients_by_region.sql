-- Analyst: How many clients are women (birth number month + 50) per region?
SELECT d.region, count(*) AS women
FROM client c JOIN district d ON d.district_id = c.district_id
WHERE CAST(substr(c.birth_number, 3, 2) AS INTEGER) > 50 GROUP BY d.region;
