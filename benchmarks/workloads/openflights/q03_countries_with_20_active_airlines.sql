-- Analyst: Which countries have more than 20 active airlines?
SELECT country, count(*) AS active_airlines FROM airlines WHERE active GROUP BY country HAVING count(*) > 20;
