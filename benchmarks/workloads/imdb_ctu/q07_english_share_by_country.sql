-- Analyst: What share of each country's movies is in English?
SELECT country, avg(CASE WHEN isEnglish THEN 1.0 ELSE 0.0 END) AS english_share FROM movie GROUP BY country;
