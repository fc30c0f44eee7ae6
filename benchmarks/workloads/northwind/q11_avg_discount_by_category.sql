-- Analyst: When we discount, how deep is the average discount per category?
SELECT c.category_name, avg(od.discount) AS avg_discount, count(*) AS discounted_lines
FROM order_details od JOIN products p ON p.product_id = od.product_id
JOIN categories c ON c.category_id = p.category_id
WHERE od.discount > 0 GROUP BY c.category_name;
