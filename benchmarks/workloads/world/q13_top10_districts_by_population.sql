-- Analyst: Which ten districts have the largest city population?
SELECT District, sum(Population) AS population FROM city GROUP BY District ORDER BY population DESC, 1 LIMIT 10;
