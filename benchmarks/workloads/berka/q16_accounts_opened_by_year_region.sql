-- Analyst: How many accounts were opened per year in each region?
SELECT d.region, year(a.date) AS year, count(*) AS accounts
FROM account a JOIN district d ON d.district_id = a.district_id GROUP BY d.region, year(a.date);
