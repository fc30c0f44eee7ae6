-- Analyst: Mutagenic share per band of logP.
SELECT floor(logp) AS logp_band, avg(CASE WHEN mutagenic THEN 1.0 ELSE 0.0 END) AS mutagenic_share, count(*) AS molecules
FROM molecule GROUP BY floor(logp);
