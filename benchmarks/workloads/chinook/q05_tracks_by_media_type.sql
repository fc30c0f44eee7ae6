-- Analyst: How many tracks per media type, how long and how big on average?
SELECT m.Name AS media_type, count(*) AS tracks, avg(t.Milliseconds) / 60000.0 AS avg_minutes,
  avg(t.Bytes) / 1e6 AS avg_mb
FROM Track t JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId GROUP BY m.Name;
