-- Medical assistance (医疗救助) settled with the claim (一站式结算): the category the person was
-- helped as on the claim's day, what the assistance's own year stood at before it, and what it
-- bore and paid; the parts a claim is paid in now count the assistance. Claims settled before it
-- were settled without assistance: 'none' and zeros.
--
-- SQLite cannot change a CHECK constraint in place, and sqlx runs each migration in a
-- transaction (where foreign_keys cannot be switched off), so the table is rebuilt with the
-- foreign-key checks deferred to the commit: the claims' lines are orphaned while the old table
-- is dropped and whole again once the rows are back.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE medical_claim_copy AS SELECT * FROM medical_claim;
DROP TABLE medical_claim;
CREATE TABLE medical_claim (
    id                      INTEGER PRIMARY KEY,
    hospital_code           TEXT NOT NULL REFERENCES medical_hospital (code),
    claim_number            TEXT NOT NULL,
    digest                  TEXT NOT NULL,
    person_id               BIGINT NOT NULL,
    id_number               TEXT NOT NULL,
    area_code               TEXT NOT NULL,
    day                     DATE NOT NULL,
    year                    INTEGER NOT NULL,
    visit                   TEXT NOT NULL,
    place                   TEXT NOT NULL,
    use_account             BOOLEAN NOT NULL,
    scheme                  TEXT NOT NULL,
    tier                    TEXT NOT NULL,
    retired                 BOOLEAN NOT NULL,
    two_diseases            BOOLEAN NOT NULL,
    covered_from            DATE NOT NULL,
    covered_to              DATE NOT NULL,
    level                   TEXT NOT NULL,
    deductible_before       BIGINT NOT NULL,
    fund_before             BIGINT NOT NULL,
    outpatient_fund_before  BIGINT NOT NULL,
    self_paid_before        BIGINT NOT NULL,
    supplement_before       BIGINT NOT NULL,
    balance_before          BIGINT NOT NULL,
    total                   BIGINT NOT NULL,
    in_policy               BIGINT NOT NULL,
    deductible_applied      BIGINT NOT NULL,
    fund                    BIGINT NOT NULL,
    supplement              BIGINT NOT NULL,
    account                 BIGINT NOT NULL,
    person                  BIGINT NOT NULL,
    self_paid_in_policy     BIGINT NOT NULL,
    policy_digest           TEXT NOT NULL,
    settled_at              BIGINT NOT NULL,
    settled_by              TEXT NOT NULL,
    reversed_at             BIGINT,
    reversed_by             TEXT,
    reversal_reason         TEXT,
    aided_as                TEXT NOT NULL DEFAULT 'none' CHECK (aided_as IN
        ('none', 'tekun', 'dibao', 'near_poor', 'rigid_expenditure', 'illness_poverty')),
    aid_deductible_before   BIGINT NOT NULL DEFAULT 0,
    aid_before              BIGINT NOT NULL DEFAULT 0,
    aid_deductible_applied  BIGINT NOT NULL DEFAULT 0,
    aid                     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (hospital_code, claim_number),
    CHECK (fund + supplement + aid + account + person = total)
);
INSERT INTO medical_claim (id, hospital_code, claim_number, digest, person_id, id_number,
    area_code, day, year, visit, place, use_account, scheme, tier, retired, two_diseases,
    covered_from, covered_to, level, deductible_before, fund_before, outpatient_fund_before,
    self_paid_before, supplement_before, balance_before, total, in_policy, deductible_applied,
    fund, supplement, account, person, self_paid_in_policy, policy_digest, settled_at, settled_by,
    reversed_at, reversed_by, reversal_reason)
SELECT id, hospital_code, claim_number, digest, person_id, id_number,
    area_code, day, year, visit, place, use_account, scheme, tier, retired, two_diseases,
    covered_from, covered_to, level, deductible_before, fund_before, outpatient_fund_before,
    self_paid_before, supplement_before, balance_before, total, in_policy, deductible_applied,
    fund, supplement, account, person, self_paid_in_policy, policy_digest, settled_at, settled_by,
    reversed_at, reversed_by, reversal_reason FROM medical_claim_copy;
DROP TABLE medical_claim_copy;
CREATE INDEX medical_claim_person ON medical_claim (person_id, year, id);
CREATE INDEX medical_claim_hospital_day ON medical_claim (hospital_code, day, id);

-- The assistance's year of a person, across schemes (the assistance fund is one): its deductible
-- borne and what it paid, against the category's yearly cap.
CREATE TABLE medical_aid_year (
    person_id   BIGINT NOT NULL,
    year        INTEGER NOT NULL,
    deductible  BIGINT NOT NULL DEFAULT 0 CHECK (deductible >= 0),
    paid        BIGINT NOT NULL DEFAULT 0 CHECK (paid >= 0),
    PRIMARY KEY (person_id, year)
) WITHOUT ROWID;

-- The objects of medical assistance the civil-affairs bureau recognises one by one (低保边缘,
-- 刚性支出困难, 因病致贫重病患者) for a period; 特困 and 低保 are read from the enrolments.
CREATE TABLE medical_aid_recognition (
    id            INTEGER PRIMARY KEY,
    person_id     BIGINT NOT NULL,
    category      TEXT NOT NULL CHECK (category IN ('near_poor', 'rigid_expenditure', 'illness_poverty')),
    valid_from    DATE NOT NULL,
    valid_to      DATE NOT NULL,
    basis         TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    CHECK (valid_from <= valid_to)
);
CREATE INDEX medical_aid_recognition_person ON medical_aid_recognition (person_id, valid_from);
