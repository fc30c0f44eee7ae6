-- Analyst: Per year, what share of revenue was sold at a discount?
SELECT year(o.order_date) AS year,
  sum(CASE WHEN od.discount > 0 THEN od.unit_price * od.quantity * (1 - od.discount) ELSE 0 END) / sum(od.unit_price * od.quantity * (1 - od.discount)) AS discounted_share
FROM orders o JOIN order_details od ON od.order_id = o.order_id GROUP BY year(o.order_date);
