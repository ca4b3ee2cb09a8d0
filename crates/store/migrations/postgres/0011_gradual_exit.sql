-- Gradual exit (渐退): from `taper_from` to the enrolment's last month the household keeps the
-- amount it was last paid (`taper_amount`, fen), though its income now exceeds the line.
ALTER TABLE enrolment ADD COLUMN taper_from TEXT;
ALTER TABLE enrolment ADD COLUMN taper_amount BIGINT;
