-- Analyst: How many airports have no departing route?
SELECT count(*) AS airports_without_departures FROM airports a
WHERE NOT EXISTS (SELECT 1 FROM routes r WHERE r.source_airport_id = a.airport_id);
