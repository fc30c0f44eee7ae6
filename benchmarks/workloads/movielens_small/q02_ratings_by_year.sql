-- Analyst: Ratings per year and their average.
SELECT year(timestamp) AS year, count(*) AS ratings, avg(rating) AS avg_rating FROM ratings GROUP BY year(timestamp);
