-- Analyst: Per year, what share of ratings are five stars?
SELECT year(timestamp) AS year, avg(CASE WHEN rating = 5 THEN 1.0 ELSE 0.0 END) AS five_star_share
FROM ratings GROUP BY year(timestamp);
