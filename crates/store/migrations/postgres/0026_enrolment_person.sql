-- An enrolment for one person of the household (a service subsidy: 家庭养老床位, 适老化改造)
-- pays that person only; NULL keeps the household's programs as they were, paid to each member
-- the rules give an amount (or, for a household amount, to its head). A person may hold one
-- open enrolment in a program, and a household one open household enrolment.
ALTER TABLE enrolment ADD COLUMN person_id BIGINT;
DROP INDEX enrolment_open;
CREATE UNIQUE INDEX enrolment_open ON enrolment (household_id, program, COALESCE(person_id, 0))
    WHERE last_month IS NULL;
CREATE INDEX enrolment_person ON enrolment (person_id) WHERE person_id IS NOT NULL;
