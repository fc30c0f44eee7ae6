-- Analyst: Which ten tags are used most?
SELECT tag, count(*) AS uses FROM tags GROUP BY tag ORDER BY uses DESC, 1 LIMIT 10;
