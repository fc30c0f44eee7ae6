-- Analyst: Which genres bring in the most revenue?
SELECT g.Name AS genre, sum(il.UnitPrice * il.Quantity) AS revenue, count(*) AS lines_sold
FROM InvoiceLine il JOIN Track t ON t.TrackId = il.TrackId JOIN Genre g ON g.GenreId = t.GenreId
GROUP BY g.Name ORDER BY revenue DESC;
