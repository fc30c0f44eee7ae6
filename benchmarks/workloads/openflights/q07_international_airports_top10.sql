-- Analyst: Which ten countries have the most airports named 'International'?
SELECT country, count(*) AS international_airports FROM airports WHERE name LIKE '%International%'
GROUP BY country ORDER BY international_airports DESC, 1 LIMIT 10;
