-- Periodic reviews (定期核查) of running benefits: who reviewed, when, what they found.
CREATE TABLE enrolment_review (
    id           INTEGER PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolment (id),
    reviewed_on  DATE NOT NULL,
    findings     TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    reviewed_at  BIGINT NOT NULL
);
CREATE INDEX enrolment_review_enrolment ON enrolment_review (enrolment_id);
