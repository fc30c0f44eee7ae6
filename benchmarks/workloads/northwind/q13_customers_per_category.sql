-- Analyst: How many distinct customers buy from each category?
SELECT c.category_name, count(DISTINCT o.customer_id) AS customers
FROM orders o JOIN order_details od ON od.order_id = o.order_id
JOIN products p ON p.product_id = od.product_id JOIN categories c ON c.category_id = p.category_id
GROUP BY c.category_name;
