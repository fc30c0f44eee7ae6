-- Analyst: Per country, how many customers have spent more than 40 in total?
SELECT c.Country, count(*) AS big_spenders
FROM Customer c JOIN (SELECT CustomerId FROM Invoice GROUP BY CustomerId HAVING sum(Total) > 40) s
  ON s.CustomerId = c.CustomerId
GROUP BY c.Country;
