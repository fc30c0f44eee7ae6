-- Analyst: How many airports follow each daylight-saving rule?
SELECT coalesce(dst, 'unknown') AS dst_rule, count(*) AS airports FROM airports GROUP BY coalesce(dst, 'unknown');
