-- Analyst: How many routes depart from airports in a Europe/ time zone, per country (top 10)?
SELECT s.country, count(*) AS routes FROM routes r JOIN airports s ON s.airport_id = r.source_airport_id WHERE s.tz_name LIKE 'Europe/%'
GROUP BY s.country ORDER BY routes DESC, 1 LIMIT 10;
