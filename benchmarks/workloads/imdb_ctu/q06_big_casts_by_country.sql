-- Analyst: Per country, how many movies have more than 50 credited actors?
SELECT m.country, count(*) AS big_cast_movies
FROM movie m JOIN (SELECT movie_id FROM movie2actor GROUP BY movie_id HAVING count(*) > 50) c
  ON c.movie_id = m.movie_id
GROUP BY m.country;
