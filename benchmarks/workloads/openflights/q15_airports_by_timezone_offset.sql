-- Analyst: How many airports per UTC offset?
SELECT tz_offset, count(*) AS airports FROM airports GROUP BY tz_offset;
