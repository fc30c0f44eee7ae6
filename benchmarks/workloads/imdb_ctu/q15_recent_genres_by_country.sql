-- Analyst: Directed movies of the most recent year class, per country and genre.
SELECT m.country, md.genre, count(*) AS movies FROM movie m JOIN movie2director md ON md.movie_id = m.movie_id
WHERE m.year = 4 GROUP BY m.country, md.genre;
