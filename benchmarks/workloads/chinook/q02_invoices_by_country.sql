-- Analyst: How many invoices and how much revenue per billing country?
SELECT BillingCountry AS country, count(*) AS invoices, sum(Total) AS revenue
FROM Invoice GROUP BY BillingCountry;
