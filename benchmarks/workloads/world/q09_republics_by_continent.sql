-- Analyst: How many countries are some form of republic, per continent?
SELECT Continent, count(*) AS republics FROM country WHERE GovernmentForm LIKE '%Republic%' GROUP BY Continent;
