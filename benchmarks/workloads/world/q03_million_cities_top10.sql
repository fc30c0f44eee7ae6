-- Analyst: Which ten countries have the most cities above one million people?
SELECT co.Name AS country, count(*) AS big_cities FROM city c JOIN country co ON co.Code = c.CountryCode
WHERE c.Population > 1000000 GROUP BY co.Name ORDER BY big_cities DESC, 1 LIMIT 10;
