-- Analyst: Which five genres have directors with the highest revenue class?
SELECT md.genre, avg(d.avg_revenue) AS avg_revenue FROM movie2director md JOIN director d ON d.director_id = md.director_id
GROUP BY md.genre ORDER BY avg_revenue DESC, 1 LIMIT 5;
