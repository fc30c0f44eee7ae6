-- Analyst: Population and number of countries per continent.
SELECT Continent, sum(Population) AS population, count(*) AS countries FROM country GROUP BY Continent;
