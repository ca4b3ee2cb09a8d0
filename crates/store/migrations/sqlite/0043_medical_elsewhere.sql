-- Out-of-town care registrations (异地就医备案): long-term ones wait for review, temporary ones
-- stand at once for six months; a claim for care out of the province is settled as registered
-- when one stands on its day.
CREATE TABLE medical_elsewhere (
    id              INTEGER PRIMARY KEY,
    person_id       BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('long_term', 'temporary')),
    reason          TEXT NOT NULL,
    destination     TEXT NOT NULL,
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'ended')),
    applied_at      BIGINT NOT NULL,
    applied_by      TEXT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT,
    decision        TEXT,
    CHECK (valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX medical_elsewhere_person ON medical_elsewhere (person_id, valid_from);
