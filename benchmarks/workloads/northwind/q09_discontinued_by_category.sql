-- Analyst: How many discontinued products per category, and their stock?
SELECT c.category_name, count(*) AS discontinued, sum(p.units_in_stock) AS stock
FROM products p JOIN categories c ON c.category_id = p.category_id
WHERE p.discontinued GROUP BY c.category_name;
