-- Analyst: How many cards of each type were issued per year?
SELECT type, year(issued) AS year, count(*) AS cards FROM card GROUP BY type, year(issued);
