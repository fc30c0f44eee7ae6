-- Analyst: Atoms with a charge above 0.2: how many per element?
SELECT element, count(*) AS charged_atoms FROM atom WHERE charge > 0.2 GROUP BY element;
