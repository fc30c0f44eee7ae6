-- Analyst: What share of ratings uses half stars?
SELECT avg(CASE WHEN rating <> floor(rating) THEN 1.0 ELSE 0.0 END) AS half_star_share FROM ratings;
