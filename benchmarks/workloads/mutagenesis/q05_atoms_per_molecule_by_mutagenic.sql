-- Analyst: How many atoms does a molecule have on average, mutagenic or not?
SELECT m.mutagenic, count(*) / count(DISTINCT m.molecule_id) AS atoms_per_molecule
FROM atom a JOIN molecule m ON m.molecule_id = a.molecule_id GROUP BY m.mutagenic;
