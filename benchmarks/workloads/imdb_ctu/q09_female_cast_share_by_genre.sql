-- Analyst: Per genre, what share of cast credits goes to women?
SELECT md.genre, avg(CASE WHEN a.a_gender = 'F' THEN 1.0 ELSE 0.0 END) AS female_share
FROM movie2actor ma JOIN actor a ON a.actor_id = ma.actor_id JOIN movie2director md ON md.movie_id = ma.movie_id
GROUP BY md.genre;
