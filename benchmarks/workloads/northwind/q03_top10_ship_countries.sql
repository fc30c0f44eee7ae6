-- Analyst: Which ten countries do we ship the most revenue to?
SELECT o.ship_country, sum(od.unit_price * od.quantity * (1 - od.discount)) AS revenue
FROM orders o JOIN order_details od ON od.order_id = o.order_id
GROUP BY o.ship_country ORDER BY revenue DESC, 1 LIMIT 10;
