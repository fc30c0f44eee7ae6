-- Analyst: Average life expectancy per continent.
SELECT Continent, avg(LifeExpectancy) AS life_expectancy FROM country GROUP BY Continent;
