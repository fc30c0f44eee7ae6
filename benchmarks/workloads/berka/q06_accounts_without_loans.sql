-- Analyst: How many accounts never took a loan?
SELECT count(*) AS accounts_without_loan FROM account a
WHERE NOT EXISTS (SELECT 1 FROM loan l WHERE l.account_id = a.account_id);
