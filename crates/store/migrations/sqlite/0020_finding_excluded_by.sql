-- An `ineligible` finding of a household also enrolled in, and owed, a program the catalog
-- declares exclusive with it (特困 beside 低保, say): the code of that program, so the review
-- knows it is an overlap to resolve, not a change of circumstances. NULL otherwise.
ALTER TABLE finding ADD COLUMN excluded_by TEXT;
