-- Analyst: Per region, what share of loans is in default (status B or D)?
SELECT d.region, avg(CASE WHEN l.status IN ('B', 'D') THEN 1.0 ELSE 0.0 END) AS bad_share, count(*) AS loans
FROM loan l JOIN account a ON a.account_id = l.account_id JOIN district d ON d.district_id = a.district_id
GROUP BY d.region;
