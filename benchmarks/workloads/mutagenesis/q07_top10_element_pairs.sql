-- Analyst: Which ten element pairs are bonded most often?
SELECT a.element, b.nbr_element, count(*) AS bonds FROM bond b JOIN atom a ON a.atom_id = b.atom_id
GROUP BY a.element, b.nbr_element ORDER BY bonds DESC, 1, 2 LIMIT 10;
