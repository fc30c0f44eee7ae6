-- Analyst: What share of a molecule's bonds are aromatic (type 7), mutagenic or not?
SELECT m.mutagenic, avg(CASE WHEN b.bond_type = 7 THEN 1.0 ELSE 0.0 END) AS aromatic_share
FROM bond b JOIN atom a ON a.atom_id = b.atom_id JOIN molecule m ON m.molecule_id = a.molecule_id
GROUP BY m.mutagenic;
