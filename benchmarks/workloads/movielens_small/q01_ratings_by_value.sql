-- Analyst: How are ratings distributed over the star values?
SELECT rating, count(*) AS ratings FROM ratings GROUP BY rating;
