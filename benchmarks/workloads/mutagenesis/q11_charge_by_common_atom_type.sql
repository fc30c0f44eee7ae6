-- Analyst: Average charge of atom types seen more than 50 times.
SELECT atom_type, avg(charge) AS avg_charge, count(*) AS atoms FROM atom GROUP BY atom_type HAVING count(*) > 50;
