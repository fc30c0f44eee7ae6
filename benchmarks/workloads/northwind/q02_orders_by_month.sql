-- Analyst: How many orders per month, and what freight do they carry?
SELECT date_trunc('month', order_date) AS month, count(*) AS orders, sum(freight) AS freight
FROM orders GROUP BY date_trunc('month', order_date) ORDER BY month;
