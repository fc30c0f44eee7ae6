-- Analyst: Per country, how many airlines operate more than 100 routes?
SELECT a.country, count(*) AS big_airlines
FROM airlines a JOIN (SELECT airline_id FROM routes GROUP BY airline_id HAVING count(*) > 100) r
  ON r.airline_id = a.airline_id
GROUP BY a.country;
