-- Analyst: How many orders per year have more than four lines?
SELECT year(o.order_date) AS year, count(*) AS large_orders
FROM orders o JOIN (SELECT order_id FROM order_details GROUP BY order_id HAVING count(*) > 4) l
  ON l.order_id = o.order_id
GROUP BY year(o.order_date);
