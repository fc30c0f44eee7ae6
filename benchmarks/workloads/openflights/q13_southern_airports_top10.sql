-- Analyst: Which ten countries have the most airports south of the equator?
SELECT country, count(*) AS airports FROM airports WHERE latitude < 0
GROUP BY country ORDER BY airports DESC, 1 LIMIT 10;
