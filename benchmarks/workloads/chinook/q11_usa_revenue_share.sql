-- Analyst: What share of revenue comes from the USA?
SELECT sum(CASE WHEN BillingCountry = 'USA' THEN Total ELSE 0 END) / sum(Total) AS usa_share FROM Invoice;
