-- Analyst: How many movies per country, and how long are they?
SELECT country, count(*) AS movies, avg(runningtime) AS avg_runningtime_class FROM movie GROUP BY country;
