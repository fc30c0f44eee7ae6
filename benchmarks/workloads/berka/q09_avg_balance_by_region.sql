-- Analyst: Average balance after a transaction, per region.
SELECT d.region, avg(t.balance) AS avg_balance
FROM trans t JOIN account a ON a.account_id = t.account_id JOIN district d ON d.district_id = a.district_id
GROUP BY d.region;
