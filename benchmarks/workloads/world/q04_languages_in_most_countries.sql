-- Analyst: Which ten languages are spoken in the most countries?
SELECT Language, count(*) AS countries FROM countrylanguage GROUP BY Language ORDER BY countries DESC, 1 LIMIT 10;
