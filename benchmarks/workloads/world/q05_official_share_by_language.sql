-- Analyst: For languages spoken in at least 10 countries, how often are they official?
SELECT Language, avg(CASE WHEN IsOfficial THEN 1.0 ELSE 0.0 END) AS official_share, count(*) AS countries
FROM countrylanguage GROUP BY Language HAVING count(*) >= 10;
