-- Analyst: How many tracks have 'love' in the title, per genre?
SELECT g.Name AS genre, count(*) AS love_songs
FROM Track t JOIN Genre g ON g.GenreId = t.GenreId
WHERE lower(t.Name) LIKE '%love%' GROUP BY g.Name;
