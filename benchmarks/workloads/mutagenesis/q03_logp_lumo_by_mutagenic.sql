-- Analyst: Average logP and LUMO for mutagenic against non-mutagenic molecules.
SELECT mutagenic, avg(logp) AS avg_logp, avg(lumo) AS avg_lumo FROM molecule GROUP BY mutagenic;
