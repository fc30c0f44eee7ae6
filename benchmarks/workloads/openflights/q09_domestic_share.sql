-- Analyst: What share of routes stays within one country?
SELECT avg(CASE WHEN s.country = d.country THEN 1.0 ELSE 0.0 END) AS domestic_share, count(*) AS routes
FROM routes r JOIN airports s ON s.airport_id = r.source_airport_id JOIN airports d ON d.airport_id = r.dest_airport_id;
