-- Analyst: Which ten destination countries wait longest between order and shipping?
SELECT ship_country, avg(shipped_date - order_date) AS avg_days_to_ship
FROM orders WHERE shipped_date IS NOT NULL
GROUP BY ship_country ORDER BY avg_days_to_ship DESC, 1 LIMIT 10;
