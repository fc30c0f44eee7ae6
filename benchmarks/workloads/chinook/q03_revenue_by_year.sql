-- Analyst: How does yearly revenue evolve, and what is the average invoice?
SELECT year(InvoiceDate) AS year, sum(Total) AS revenue, avg(Total) AS avg_invoice
FROM Invoice GROUP BY year(InvoiceDate) ORDER BY year;
