-- Analyst: Which ten billing cities bring in the most revenue?
SELECT BillingCity AS city, sum(Total) AS revenue FROM Invoice
GROUP BY BillingCity ORDER BY revenue DESC, 1 LIMIT 10;
