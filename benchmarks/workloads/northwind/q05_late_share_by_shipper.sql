-- Analyst: Per shipper, what share of shipped orders left after the required date?
SELECT s.company_name AS shipper,
  avg(CASE WHEN o.shipped_date > o.required_date THEN 1.0 ELSE 0.0 END) AS late_share
FROM orders o JOIN shippers s ON s.shipper_id = o.ship_via
WHERE o.shipped_date IS NOT NULL GROUP BY s.company_name;
