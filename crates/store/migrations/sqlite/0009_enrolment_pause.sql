-- Suspensions (暂停) of an enrolment. A suspension stays until someone resumes it; the
-- payment cycle pays no month it covers. Ending an enrolment sets its last_month.
CREATE TABLE enrolment_pause (
    id             INTEGER PRIMARY KEY,
    enrolment_id   BIGINT NOT NULL REFERENCES enrolment (id),
    from_month     TEXT NOT NULL,
    resumed_month  TEXT,
    reason         TEXT NOT NULL,
    paused_by      TEXT NOT NULL,
    paused_at      BIGINT NOT NULL,
    resume_reason  TEXT,
    resumed_by     TEXT,
    resumed_at     BIGINT,
    CHECK (resumed_month IS NULL OR resumed_month > from_month)
);
CREATE INDEX enrolment_pause_enrolment ON enrolment_pause (enrolment_id);
