-- Analyst: Per country, how many credits are leading roles (cast number 0 or 1)?
SELECT m.country, count(*) AS lead_credits FROM movie2actor ma JOIN movie m ON m.movie_id = ma.movie_id
WHERE ma.cast_num <= 1 GROUP BY m.country;
