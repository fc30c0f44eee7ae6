-- Analyst: What share of molecules is mutagenic?
SELECT avg(CASE WHEN mutagenic THEN 1.0 ELSE 0.0 END) AS mutagenic_share, count(*) AS molecules FROM molecule;
