-- Analyst: How many loans per status, how large and how long on average?
SELECT status, count(*) AS loans, avg(amount) AS avg_amount, avg(duration) AS avg_months
FROM loan GROUP BY status;
