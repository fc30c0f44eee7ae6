-- Analyst: Average and total freight per shipping company.
SELECT s.company_name AS shipper, count(*) AS orders, avg(o.freight) AS avg_freight, sum(o.freight) AS freight
FROM orders o JOIN shippers s ON s.shipper_id = o.ship_via GROUP BY s.company_name;
