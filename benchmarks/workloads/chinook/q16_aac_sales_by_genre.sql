-- Analyst: Units sold per genre of tracks in an AAC format.
SELECT g.Name AS genre, sum(il.Quantity) AS units
FROM InvoiceLine il JOIN Track t ON t.TrackId = il.TrackId JOIN Genre g ON g.GenreId = t.GenreId
JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId
WHERE m.Name LIKE '%AAC%' GROUP BY g.Name;
