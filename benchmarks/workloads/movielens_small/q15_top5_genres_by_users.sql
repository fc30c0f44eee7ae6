-- Analyst: Which five genres are rated by the most distinct users?
SELECT g.genre, count(DISTINCT r.userId) AS users FROM ratings r JOIN (SELECT movieId, unnest(genres) AS genre FROM movies) g ON g.movieId = r.movieId
GROUP BY g.genre ORDER BY users DESC, 1 LIMIT 5;
