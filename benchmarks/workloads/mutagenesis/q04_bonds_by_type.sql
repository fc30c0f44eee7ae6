-- Analyst: How many bonds of each type?
SELECT bond_type, count(*) AS bonds FROM bond GROUP BY bond_type;
