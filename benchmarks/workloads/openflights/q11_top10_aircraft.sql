-- Analyst: Which ten aircraft types fly the most routes?
SELECT equipment[1] AS aircraft, count(*) AS routes FROM routes WHERE len(equipment) > 0
GROUP BY equipment[1] ORDER BY routes DESC, 1 LIMIT 10;
