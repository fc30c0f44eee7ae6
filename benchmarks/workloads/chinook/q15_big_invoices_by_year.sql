-- Analyst: How many invoices above 10 per year?
SELECT year(InvoiceDate) AS year, count(*) AS big_invoices FROM Invoice
WHERE Total > 10 GROUP BY year(InvoiceDate);
