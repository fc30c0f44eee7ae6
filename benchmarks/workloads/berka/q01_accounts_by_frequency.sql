-- Analyst: How many accounts per statement frequency?
SELECT frequency, count(*) AS accounts FROM account GROUP BY frequency;
