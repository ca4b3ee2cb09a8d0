-- A person may hold more than one cover in a year: an employee's cover stops when the
-- employment ends (停保) and a residents' cover may follow for the rest of the year. Covers of
-- a year do not overlap (the medical context checks it in the transaction that files one).
-- The year so far is kept per scheme, as each fund pays its own deductible and cap.
--
-- The two tables every settlement writes are keyed so that SQLite keeps each in one b-tree:
-- the account by its rowid, the year without one.

CREATE TABLE medical_cover_new (
    person_id     BIGINT NOT NULL,
    year          INTEGER NOT NULL,
    scheme        TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
    tier          TEXT NOT NULL CHECK (tier IN ('employee', 'adult_1', 'adult_2', 'child', 'student')),
    retired       BOOLEAN NOT NULL,
    two_diseases  BOOLEAN NOT NULL,
    covered_from  DATE NOT NULL,
    covered_to    DATE NOT NULL,
    contribution        BIGINT NOT NULL CHECK (contribution >= 0),
    fiscal_subsidy      BIGINT NOT NULL CHECK (fiscal_subsidy >= 0),
    assistance_subsidy  BIGINT NOT NULL CHECK (assistance_subsidy >= 0),
    assisted_as         TEXT CHECK (assisted_as IN ('tekun', 'dibao', 'severe_disability')),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (person_id, year, covered_from),
    CHECK (covered_from <= covered_to)
);
INSERT INTO medical_cover_new SELECT person_id, year, scheme, tier, retired, two_diseases,
    covered_from, covered_to, contribution, fiscal_subsidy, assistance_subsidy, assisted_as,
    recorded_at, recorded_by FROM medical_cover;
DROP TABLE medical_cover;
ALTER TABLE medical_cover_new RENAME TO medical_cover;

CREATE TABLE medical_account_new (
    person_id     INTEGER PRIMARY KEY,
    balance       BIGINT NOT NULL CHECK (balance >= 0)
);
INSERT INTO medical_account_new SELECT person_id, balance FROM medical_account;
DROP TABLE medical_account;
ALTER TABLE medical_account_new RENAME TO medical_account;

CREATE TABLE medical_year_new (
    person_id               BIGINT NOT NULL,
    year                    INTEGER NOT NULL,
    scheme                  TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
    deductible_general      BIGINT NOT NULL DEFAULT 0,
    deductible_chronic      BIGINT NOT NULL DEFAULT 0,
    deductible_inpatient    BIGINT NOT NULL DEFAULT 0,
    deductible_maternity    BIGINT NOT NULL DEFAULT 0,
    fund                    BIGINT NOT NULL DEFAULT 0,
    outpatient_fund         BIGINT NOT NULL DEFAULT 0,
    self_paid_in_policy     BIGINT NOT NULL DEFAULT 0,
    supplement              BIGINT NOT NULL DEFAULT 0,
    claims                  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, year, scheme)
) WITHOUT ROWID;
-- Until now a person held one cover a year, so its scheme is the year's.
INSERT INTO medical_year_new SELECT y.person_id, y.year,
    COALESCE((SELECT c.scheme FROM medical_cover c WHERE c.person_id = y.person_id
              AND c.year = y.year ORDER BY c.covered_from DESC LIMIT 1), 'resident'),
    y.deductible_general, y.deductible_chronic, y.deductible_inpatient, y.deductible_maternity,
    y.fund, y.outpatient_fund, y.self_paid_in_policy, y.supplement, y.claims
    FROM medical_year y;
DROP TABLE medical_year;
ALTER TABLE medical_year_new RENAME TO medical_year;
