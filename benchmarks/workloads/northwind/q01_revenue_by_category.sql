-- Analyst: Which product categories bring in the most revenue?
SELECT c.category_name, sum(od.unit_price * od.quantity * (1 - od.discount)) AS revenue, sum(od.quantity) AS units
FROM order_details od JOIN products p ON p.product_id = od.product_id
JOIN categories c ON c.category_id = p.category_id
GROUP BY c.category_name ORDER BY revenue DESC;
