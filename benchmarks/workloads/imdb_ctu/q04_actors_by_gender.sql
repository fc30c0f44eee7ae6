-- Analyst: How many actors of each gender, and their average quality?
SELECT a_gender, count(*) AS actors, avg(a_quality) AS avg_quality FROM actor GROUP BY a_gender;
