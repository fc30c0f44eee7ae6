-- Analyst: How many actors of each gender appear in more than 5 movies?
SELECT a.a_gender, count(*) AS busy_actors
FROM actor a JOIN (SELECT actor_id FROM movie2actor GROUP BY actor_id HAVING count(*) > 5) ma
  ON ma.actor_id = a.actor_id
GROUP BY a.a_gender;
