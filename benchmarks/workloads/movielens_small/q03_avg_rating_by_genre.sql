-- Analyst: Average rating and number of ratings per genre.
SELECT g.genre, avg(r.rating) AS avg_rating, count(*) AS ratings
FROM ratings r JOIN (SELECT movieId, unnest(genres) AS genre FROM movies) g ON g.movieId = r.movieId GROUP BY g.genre;
