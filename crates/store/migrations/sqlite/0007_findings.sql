-- Proactive discovery (主动发现) and dynamic monitoring. SQLite twin of the PostgreSQL file.
--
-- A sweep evaluates households for a month as the registry was known at an instant: the whole
-- registry (`minsheng sweep`), or one household after a change to it (an event).
CREATE TABLE sweep (
    id            INTEGER PRIMARY KEY,
    month         TEXT NOT NULL,
    known_at      BIGINT NOT NULL,
    policy_digest TEXT NOT NULL,
    cause         TEXT NOT NULL,
    households    BIGINT NOT NULL,
    started_by    TEXT NOT NULL
);

-- What a sweep found for a household and program, compared with what is enrolled and paid:
--   eligible       — the rules say it is owed, and it is not enrolled: a proactive case;
--   granted        — the same for a 免申即享 program: enrolled at once;
--   ineligible     — enrolled, and the rules now say nothing is owed: a review task;
--   amount_changed — enrolled and owed, but not what the last cycle paid: a recalculation.
-- A finding is raised once per month, household, program and kind; its explanation is the
-- rules applied to the registry as known at its sweep (`minsheng sweep show`).
CREATE TABLE finding (
    id            INTEGER PRIMARY KEY,
    sweep_id      BIGINT NOT NULL REFERENCES sweep (id),
    month         TEXT NOT NULL,
    household_id  BIGINT NOT NULL,
    program       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('eligible', 'granted', 'ineligible', 'amount_changed')),
    amount_now    BIGINT NOT NULL,
    amount_before BIGINT,
    area_code     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed'))
);
CREATE UNIQUE INDEX finding_once ON finding (month, household_id, program, kind);
CREATE INDEX finding_household ON finding (household_id);

-- The low-income population (低收入人口) a whole-registry sweep counted, per community and
-- category: households the rules place in it, and how many of them are enrolled.
CREATE TABLE monitoring (
    sweep_id   BIGINT NOT NULL REFERENCES sweep (id),
    area_code  TEXT NOT NULL,
    category   TEXT NOT NULL,
    households BIGINT NOT NULL,
    persons    BIGINT NOT NULL,
    enrolled   BIGINT NOT NULL,
    PRIMARY KEY (sweep_id, area_code, category)
);
