-- Analyst: How many molecules have no nitrogen outside nitro groups (atom type 38), mutagenic or not?
SELECT mutagenic, count(*) AS molecules FROM molecule m
WHERE NOT EXISTS (SELECT 1 FROM atom a WHERE a.molecule_id = m.molecule_id AND a.element = 'n' AND a.atom_type <> 38)
GROUP BY mutagenic;
