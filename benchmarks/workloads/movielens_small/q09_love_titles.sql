-- Analyst: Movies with 'Love' in the title: how many ratings and what average?
SELECT count(*) AS ratings, avg(r.rating) AS avg_rating FROM ratings r JOIN movies m ON m.movieId = r.movieId
WHERE m.title LIKE '%Love%';
