-- Analyst: Average quality and revenue class of directors per genre.
SELECT md.genre, avg(d.d_quality) AS avg_quality, avg(d.avg_revenue) AS avg_revenue
FROM movie2director md JOIN director d ON d.director_id = md.director_id GROUP BY md.genre;
