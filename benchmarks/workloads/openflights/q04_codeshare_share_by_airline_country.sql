-- Analyst: Per airline country, what share of routes is codeshare (countries with 500+ routes)?
SELECT a.country, avg(CASE WHEN r.codeshare THEN 1.0 ELSE 0.0 END) AS codeshare_share, count(*) AS routes
FROM routes r JOIN airlines a ON a.airline_id = r.airline_id
GROUP BY a.country HAVING count(*) >= 500;
