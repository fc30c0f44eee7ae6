-- Analyst: Which five districts hold the most accounts?
SELECT d.name AS district, count(*) AS accounts
FROM account a JOIN district d ON d.district_id = a.district_id
GROUP BY d.name ORDER BY accounts DESC, 1 LIMIT 5;
