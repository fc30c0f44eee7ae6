-- Analyst: Molecules per combination of the ind1 and inda indicators, with their mean LUMO.
SELECT ind1, inda, count(*) AS molecules, avg(lumo) AS avg_lumo FROM molecule GROUP BY ind1, inda;
