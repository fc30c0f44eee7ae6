-- Analyst: GNP per inhabitant per region.
SELECT Region, sum(GNP) / sum(Population) AS gnp_per_capita FROM country WHERE Population > 0 GROUP BY Region;
