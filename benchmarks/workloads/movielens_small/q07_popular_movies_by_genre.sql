-- Analyst: Per genre, how many movies were rated by at least 50 users?
SELECT g.genre, count(*) AS popular_movies
FROM (SELECT movieId, unnest(genres) AS genre FROM movies) g JOIN (SELECT movieId FROM ratings GROUP BY movieId HAVING count(*) >= 50) p ON p.movieId = g.movieId
GROUP BY g.genre;
