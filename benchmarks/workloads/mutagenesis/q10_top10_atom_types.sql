-- Analyst: Which ten atom types are most common?
SELECT atom_type, count(*) AS atoms FROM atom GROUP BY atom_type ORDER BY atoms DESC, 1 LIMIT 10;
