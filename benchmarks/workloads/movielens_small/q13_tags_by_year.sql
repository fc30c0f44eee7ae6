-- Analyst: How many tags were added per year?
SELECT year(timestamp) AS year, count(*) AS tags FROM tags GROUP BY year(timestamp);
