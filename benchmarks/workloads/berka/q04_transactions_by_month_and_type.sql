-- Analyst: Number and volume of transactions per month, credits against debits.
SELECT date_trunc('month', date) AS month, type, count(*) AS transactions, sum(amount) AS volume
FROM trans GROUP BY date_trunc('month', date), type;
