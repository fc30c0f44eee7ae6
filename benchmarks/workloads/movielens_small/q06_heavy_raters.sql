-- Analyst: How many users rated more than 100 movies?
SELECT count(*) AS heavy_raters FROM (SELECT userId FROM ratings GROUP BY userId HAVING count(*) > 100) u;
