-- Analyst: How many movies per release decade (the year in the title)?
SELECT floor(CAST(regexp_extract(title, '\((\d{4})\)\s*$', 1) AS INTEGER) / 10) * 10 AS decade, count(*) AS movies
FROM movies WHERE regexp_matches(title, '\(\d{4}\)\s*$')
GROUP BY floor(CAST(regexp_extract(title, '\((\d{4})\)\s*$', 1) AS INTEGER) / 10) * 10;
