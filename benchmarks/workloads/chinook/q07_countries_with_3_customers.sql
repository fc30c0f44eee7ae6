-- Analyst: Which countries have at least three customers?
SELECT Country, count(*) AS customers FROM Customer GROUP BY Country HAVING count(*) >= 3;
