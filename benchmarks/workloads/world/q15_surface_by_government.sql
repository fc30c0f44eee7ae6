-- Analyst: Surface area and countries per form of government (forms with 5+ countries).
SELECT GovernmentForm, count(*) AS countries, sum(SurfaceArea) AS surface FROM country
GROUP BY GovernmentForm HAVING count(*) >= 5;
