-- Analyst: How many comedies, and how are they rated?
SELECT count(DISTINCT m.movieId) AS comedies, avg(r.rating) AS avg_rating
FROM movies m JOIN ratings r ON r.movieId = m.movieId WHERE list_contains(m.genres, 'Comedy');
