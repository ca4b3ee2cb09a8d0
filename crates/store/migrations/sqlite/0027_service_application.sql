-- Applications for a service subsidy (家庭养老床位, 适老化改造), the eldercare context's: one
-- older person, one program, through applied → assessed → assigned → started → accepted, each
-- step a row of service_step. Acceptance enrols the person in the payment ledger in the same
-- transaction (enrolment_id). An application the rules found ineligible is kept, closed, with
-- the rules' explanation. A person holds one application in a program that is neither
-- ineligible nor withdrawn.
CREATE TABLE service_application (
    id                  INTEGER PRIMARY KEY,
    program             TEXT NOT NULL,
    person_id           BIGINT NOT NULL,
    household_id        BIGINT NOT NULL,
    id_number           TEXT NOT NULL,
    name                TEXT NOT NULL,
    household_code      TEXT NOT NULL,
    area_code           TEXT NOT NULL,
    applied_on          DATE NOT NULL,
    stage               TEXT NOT NULL,
    stage_since         DATE NOT NULL,
    due_on              DATE,
    due_provisional     BIGINT,
    provider            TEXT,
    enrolment_id        BIGINT,
    recorded_at         BIGINT NOT NULL,
    recorded_by         TEXT NOT NULL
);
CREATE INDEX service_application_area ON service_application (area_code);
CREATE UNIQUE INDEX service_application_open ON service_application (person_id, program)
    WHERE stage NOT IN ('ineligible', 'withdrawn');

CREATE TABLE service_step (
    id              INTEGER PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES service_application (id),
    step            TEXT NOT NULL,
    stage           TEXT NOT NULL,
    taken_on        DATE NOT NULL,
    reason          TEXT NOT NULL,
    detail          TEXT NOT NULL,
    recorded_at     BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL
);
CREATE INDEX service_step_application ON service_step (application_id);
