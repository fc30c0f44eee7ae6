-- Analyst: Which ten countries have the most departing routes?
SELECT s.country, count(*) AS routes FROM routes r JOIN airports s ON s.airport_id = r.source_airport_id GROUP BY s.country ORDER BY routes DESC, 1 LIMIT 10;
