-- Analyst: Per continent, how many countries have more than 10 cities listed?
SELECT co.Continent, count(*) AS countries
FROM country co JOIN (SELECT CountryCode FROM city GROUP BY CountryCode HAVING count(*) > 10) c
  ON c.CountryCode = co.Code
GROUP BY co.Continent;
