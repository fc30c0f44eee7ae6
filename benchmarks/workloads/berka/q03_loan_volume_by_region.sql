-- Analyst: Total and average loan amount per region.
SELECT d.region, sum(l.amount) AS volume, avg(l.amount) AS avg_amount
FROM loan l JOIN account a ON a.account_id = l.account_id JOIN district d ON d.district_id = a.district_id
GROUP BY d.region;
