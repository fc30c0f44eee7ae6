-- Analyst: Per country, how many customers placed more than 10 orders?
SELECT c.country, count(*) AS frequent_customers
FROM customers c JOIN (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 10) f
  ON f.customer_id = c.customer_id
GROUP BY c.country;
