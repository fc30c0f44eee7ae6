-- Analyst: How many genres does a movie carry, and how many movies per count?
SELECT len(genres) AS n_genres, count(*) AS movies FROM movies GROUP BY len(genres);
