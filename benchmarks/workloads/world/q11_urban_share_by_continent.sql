-- Analyst: What share of each continent's population lives in the listed cities?
SELECT co.Continent, sum(c.Population) / (SELECT sum(Population) FROM country x WHERE x.Continent = co.Continent) AS city_share
FROM city c JOIN country co ON co.Code = c.CountryCode GROUP BY co.Continent;
