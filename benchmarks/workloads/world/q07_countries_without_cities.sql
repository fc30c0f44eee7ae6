-- Analyst: How many countries have no city in the database?
SELECT count(*) AS countries_without_cities FROM country co
WHERE NOT EXISTS (SELECT 1 FROM city c WHERE c.CountryCode = co.Code);
