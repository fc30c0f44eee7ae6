-- Analyst: Which ten countries have the most airports?
SELECT country, count(*) AS airports FROM airports GROUP BY country ORDER BY airports DESC, 1 LIMIT 10;
