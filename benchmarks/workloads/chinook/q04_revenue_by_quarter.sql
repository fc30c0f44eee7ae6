-- Analyst: Revenue per calendar quarter (is there a seasonal pattern)?
SELECT quarter(InvoiceDate) AS quarter, sum(Total) AS revenue, count(*) AS invoices
FROM Invoice GROUP BY quarter(InvoiceDate);
