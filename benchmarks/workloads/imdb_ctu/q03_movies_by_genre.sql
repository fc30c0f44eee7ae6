-- Analyst: How many directed movies per genre?
SELECT genre, count(*) AS movies FROM movie2director GROUP BY genre;
