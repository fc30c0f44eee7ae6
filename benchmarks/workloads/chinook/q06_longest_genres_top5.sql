-- Analyst: Which five genres have the longest tracks on average?
SELECT g.Name AS genre, avg(t.Milliseconds) / 60000.0 AS avg_minutes
FROM Track t JOIN Genre g ON g.GenreId = t.GenreId
GROUP BY g.Name ORDER BY avg_minutes DESC, 1 LIMIT 5;
