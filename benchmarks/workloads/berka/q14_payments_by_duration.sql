-- Analyst: Average monthly payment and amount per loan duration.
SELECT duration, count(*) AS loans, avg(payments) AS avg_payment, avg(amount) AS avg_amount
FROM loan GROUP BY duration;
