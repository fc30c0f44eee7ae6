-- Analyst: Airlines with 'Air' in their name: how many are active?
SELECT active, count(*) AS airlines FROM airlines WHERE name LIKE '%Air%' GROUP BY active;
