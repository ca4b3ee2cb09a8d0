-- A month's open findings are listed a page at a time within an account's area, cases to open
-- first: counted by kind within the area (the first index, which holds all the count reads), and
-- read kind by kind in number order (the second: a wide area takes the first rows in order
-- whose area is in range, a narrow one its own rows by the first index). Without them a city's
-- list read and sorted every open finding of the month (113,000 in a 10M city) for each page.
CREATE INDEX finding_open_area ON finding (month, area_code, kind) WHERE status = 'open';
CREATE INDEX finding_open_kind ON finding (month, kind, id, area_code) WHERE status = 'open';
