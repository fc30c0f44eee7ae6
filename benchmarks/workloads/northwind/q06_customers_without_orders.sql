-- Analyst: How many customers have never ordered?
SELECT count(*) AS customers_without_orders FROM customers c
WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id);
