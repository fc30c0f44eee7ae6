-- Analyst: Which playlists hold more than 100 tracks, and how many?
SELECT p.Name AS playlist, count(*) AS tracks
FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId
GROUP BY p.Name HAVING count(*) > 100;
