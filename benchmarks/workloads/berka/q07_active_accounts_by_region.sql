-- Analyst: Per region, how many accounts made more than 20 transactions?
SELECT d.region, count(*) AS active_accounts
FROM account a JOIN (SELECT account_id FROM trans GROUP BY account_id HAVING count(*) > 20) t
  ON t.account_id = a.account_id
JOIN district d ON d.district_id = a.district_id GROUP BY d.region;
