-- Analyst: How many movies have no rating at all?
SELECT count(*) AS unrated FROM movies m WHERE NOT EXISTS (SELECT 1 FROM ratings r WHERE r.movieId = m.movieId);
