-- Households by area: every list, count and search made for a street or district reviewer
-- (and a service provider's roster) reads the households of an area range first.
CREATE INDEX household_area ON household (area_code);
