-- Staff, one-thing applications and their cases (the MCA procedure). SQLite twin of the
-- PostgreSQL file. No foreign keys to household (see 0006).

-- Who may act on cases: a role over an area and everything below it.
CREATE TABLE staff (
    name      TEXT PRIMARY KEY,
    role      TEXT NOT NULL CHECK (role IN ('community', 'street', 'district', 'city', 'auditor')),
    area_code TEXT NOT NULL REFERENCES area (code),
    added_at  BIGINT NOT NULL,
    added_by  TEXT NOT NULL
);

-- One application (一件事): one household, one form, several programs.
CREATE TABLE application (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL,
    applicant    TEXT NOT NULL,
    proxy        TEXT NOT NULL,
    submitted_on DATE NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    summary      TEXT NOT NULL
);

-- One program of an application, through the procedure. At most one open case per household
-- and program.
CREATE TABLE assistance_case (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES application (id),
    household_id   BIGINT NOT NULL,
    program        TEXT NOT NULL,
    area_code      TEXT NOT NULL,
    stage          TEXT NOT NULL CHECK (stage IN ('accepted', 'surveyed', 'posted', 'approved', 'refused', 'closed')),
    accepted_on    DATE NOT NULL,
    stage_since    DATE NOT NULL,
    due_on         DATE,
    final_due_on   DATE,
    outcome        TEXT NOT NULL,
    enrolment_id   BIGINT REFERENCES enrolment (id)
);
CREATE UNIQUE INDEX case_open ON assistance_case (household_id, program) WHERE stage <> 'closed';
CREATE INDEX case_area ON assistance_case (area_code);

-- Every step of every case: who, in which role, when, why. Append-only.
CREATE TABLE case_event (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES assistance_case (id),
    at         BIGINT NOT NULL,
    on_day     DATE NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX case_event_case ON case_event (case_id);

-- Objections raised during a posting (公示异议), each resolved before the decision.
CREATE TABLE objection (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES assistance_case (id),
    raised_on   DATE NOT NULL,
    raised_by   TEXT NOT NULL,
    text        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    resolved_on DATE,
    upheld      BOOLEAN,
    resolution  TEXT
);

CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
BEGIN
    SELECT RAISE(ABORT, 'the case history is append-only');
END;
CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
BEGIN
    SELECT RAISE(ABORT, 'the case history is append-only');
END;
