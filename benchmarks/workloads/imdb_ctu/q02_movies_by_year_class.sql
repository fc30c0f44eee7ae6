-- Analyst: How many movies per year class?
SELECT year, count(*) AS movies FROM movie GROUP BY year;
