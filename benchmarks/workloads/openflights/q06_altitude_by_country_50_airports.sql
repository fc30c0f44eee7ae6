-- Analyst: Average airport altitude in countries with at least 50 airports.
SELECT country, avg(altitude_ft) AS avg_altitude, count(*) AS airports FROM airports
GROUP BY country HAVING count(*) >= 50;
