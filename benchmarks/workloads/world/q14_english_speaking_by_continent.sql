-- Analyst: In how many countries per continent is English spoken?
SELECT co.Continent, count(*) AS countries, avg(l.Percentage) AS avg_percentage
FROM countrylanguage l JOIN country co ON co.Code = l.CountryCode WHERE l.Language = 'English'
GROUP BY co.Continent;
