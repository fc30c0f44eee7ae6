-- Analyst: Per genre, what share of tracks has no composer recorded?
SELECT g.Name AS genre, avg(CASE WHEN t.Composer IS NULL THEN 1.0 ELSE 0.0 END) AS no_composer_share
FROM Track t JOIN Genre g ON g.GenreId = t.GenreId GROUP BY g.Name;
