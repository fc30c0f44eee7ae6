-- Analyst: How many molecules with more than 25 atoms, mutagenic or not?
SELECT m.mutagenic, count(*) AS large_molecules
FROM molecule m JOIN (SELECT molecule_id FROM atom GROUP BY molecule_id HAVING count(*) > 25) a
  ON a.molecule_id = m.molecule_id
GROUP BY m.mutagenic;
