-- Analyst: Withdrawals (operation starting with VYBER) per month: count and amount.
SELECT date_trunc('month', date) AS month, count(*) AS withdrawals, sum(amount) AS amount
FROM trans WHERE operation LIKE 'VYBER%' GROUP BY date_trunc('month', date);
