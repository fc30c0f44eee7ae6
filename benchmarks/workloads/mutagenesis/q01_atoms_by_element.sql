-- Analyst: How many atoms of each element, and their average charge?
SELECT element, count(*) AS atoms, avg(charge) AS avg_charge FROM atom GROUP BY element;
