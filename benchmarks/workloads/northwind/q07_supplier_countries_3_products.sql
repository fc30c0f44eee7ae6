-- Analyst: Which supplier countries provide at least three products?
SELECT s.country, count(*) AS products FROM products p JOIN suppliers s ON s.supplier_id = p.supplier_id
GROUP BY s.country HAVING count(*) >= 3;
