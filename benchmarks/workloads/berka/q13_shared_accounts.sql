-- Analyst: How many accounts have more than one person with access?
SELECT count(*) AS shared_accounts FROM (SELECT account_id FROM disp GROUP BY account_id HAVING count(*) > 1) s;
