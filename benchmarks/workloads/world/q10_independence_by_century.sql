-- Analyst: How many countries became independent in each century?
SELECT floor(IndepYear / 100) + 1 AS century, count(*) AS countries FROM country
WHERE IndepYear IS NOT NULL GROUP BY floor(IndepYear / 100) + 1;
