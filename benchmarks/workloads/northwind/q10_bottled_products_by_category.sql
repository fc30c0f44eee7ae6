-- Analyst: Products sold in bottles: how many per category, at what average price?
SELECT c.category_name, count(*) AS bottled_products, avg(p.unit_price) AS avg_price
FROM products p JOIN categories c ON c.category_id = p.category_id
WHERE p.quantity_per_unit LIKE '%bottles%' GROUP BY c.category_name;
