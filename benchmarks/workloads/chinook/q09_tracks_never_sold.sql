-- Analyst: How many tracks in the catalogue have never been sold?
SELECT count(*) AS unsold_tracks FROM Track t
WHERE NOT EXISTS (SELECT 1 FROM InvoiceLine il WHERE il.TrackId = t.TrackId);
