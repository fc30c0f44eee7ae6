-- Analyst: How many languages does a country list on average, per continent?
SELECT co.Continent, count(*) / count(DISTINCT co.Code) AS languages_per_country
FROM countrylanguage l JOIN country co ON co.Code = l.CountryCode GROUP BY co.Continent;
