-- SQLite twin of migrations/postgres/0006_payments.sql (INTEGER PRIMARY KEY: the rowid).
-- Months are 'YYYY-MM' text, which orders as months do.
--
-- No foreign keys to household or person: a load into an empty registry drops and rebuilds
-- their keys (src/bulk.rs), and registry rows are never deleted, so the ids cannot dangle.

-- A household receives a program from a month (after a decision, a 免申即享 grant or as
-- caseload carried over from the previous system) until its last month, once ended.
CREATE TABLE enrolment (
    id           INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL,
    program      TEXT NOT NULL,
    first_month  TEXT NOT NULL,
    last_month   TEXT,
    basis        TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL,
    CHECK (last_month IS NULL OR last_month >= first_month)
);
CREATE INDEX enrolment_household ON enrolment (household_id);
CREATE UNIQUE INDEX enrolment_open ON enrolment (household_id, program) WHERE last_month IS NULL;

-- A month's payment cycle: the registry as known at `frozen_at`, under the policy files whose
-- SHA-256 is `policy_digest`; approved by someone other than who computed it.
CREATE TABLE pay_cycle (
    month         TEXT PRIMARY KEY,
    frozen_at     BIGINT NOT NULL,
    policy_digest TEXT NOT NULL,
    computed_by   TEXT NOT NULL,
    approved_by   TEXT,
    approved_at   BIGINT
);

-- What each payee is owed for the month, per program (household amounts go to the head).
-- No foreign keys here either: a cycle's entitlements are written in the transaction that
-- writes the cycle, from enrolments (never deleted) read for it; on PostgreSQL the two checks
-- per row were 40% of storing 100,000 entitlements (bench pay).
CREATE TABLE entitlement (
    id           INTEGER PRIMARY KEY,
    month        TEXT NOT NULL,
    program      TEXT NOT NULL,
    enrolment_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    person_id    BIGINT NOT NULL,
    area_code    TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    UNIQUE (month, program, person_id)
);
CREATE INDEX entitlement_household ON entitlement (household_id);

-- One bank file (批次) of a month.
CREATE TABLE disbursement (
    month      TEXT NOT NULL REFERENCES pay_cycle (month),
    batch      INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (month, batch)
);

-- The ledger, append-only: 'paid' sends an entitlement's amount in a batch (attempt 1, 2 …);
-- the bank's answer to a 'paid' entry is one 'confirmed' (amount 0) or one 'returned' entry
-- (the opposite amount), which re-queues the entitlement for the next batch.
CREATE TABLE ledger (
    id             INTEGER PRIMARY KEY,
    entitlement_id BIGINT NOT NULL REFERENCES entitlement (id),
    kind           TEXT NOT NULL CHECK (kind IN ('paid', 'confirmed', 'returned')),
    amount         BIGINT NOT NULL,
    attempt        INTEGER NOT NULL,
    batch          INTEGER NOT NULL,
    refers_to      BIGINT UNIQUE REFERENCES ledger (id),
    reason         TEXT NOT NULL,
    at             BIGINT NOT NULL,
    recorded_by    TEXT NOT NULL,
    CHECK ((kind = 'paid') = (refers_to IS NULL))
);
CREATE UNIQUE INDEX ledger_paid_once ON ledger (entitlement_id, attempt) WHERE kind = 'paid';
CREATE INDEX ledger_entitlement ON ledger (entitlement_id);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the payment ledger is append-only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the payment ledger is append-only');
END;
