-- Analyst: Average cast size of a movie, per country.
SELECT m.country, count(*) / count(DISTINCT m.movie_id) AS cast_size
FROM movie2actor ma JOIN movie m ON m.movie_id = ma.movie_id GROUP BY m.country;
