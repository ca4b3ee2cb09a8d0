-- A person may hold more than one cover in a year: an employee's cover stops when the
-- employment ends (停保) and a residents' cover may follow for the rest of the year. Covers of
-- a year do not overlap (the medical context checks it in the transaction that files one).
-- The year so far is kept per scheme, as each fund pays its own deductible and cap.

ALTER TABLE medical_cover DROP CONSTRAINT medical_cover_pkey;
ALTER TABLE medical_cover ADD PRIMARY KEY (person_id, year, covered_from);

ALTER TABLE medical_year ADD COLUMN scheme TEXT CHECK (scheme IN ('employee', 'resident'));
-- Until now a person held one cover a year, so its scheme is the year's.
UPDATE medical_year y SET scheme = COALESCE((SELECT c.scheme FROM medical_cover c
    WHERE c.person_id = y.person_id AND c.year = y.year ORDER BY c.covered_from DESC LIMIT 1),
    'resident');
ALTER TABLE medical_year ALTER COLUMN scheme SET NOT NULL;
ALTER TABLE medical_year DROP CONSTRAINT medical_year_pkey;
ALTER TABLE medical_year ADD PRIMARY KEY (person_id, year, scheme);
