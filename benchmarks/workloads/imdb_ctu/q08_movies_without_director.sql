-- Analyst: How many movies have no director on record?
SELECT count(*) AS movies_without_director FROM movie m
WHERE NOT EXISTS (SELECT 1 FROM movie2director md WHERE md.movie_id = m.movie_id);
