-- Analyst: Movies per running-time class, English or not.
SELECT runningtime, isEnglish, count(*) AS movies FROM movie GROUP BY runningtime, isEnglish;
