-- Analyst: Standing orders per purpose: how many and how much?
SELECT coalesce(k_symbol, 'unknown') AS purpose, count(*) AS orders, sum(amount) AS amount
FROM "order" GROUP BY coalesce(k_symbol, 'unknown');
