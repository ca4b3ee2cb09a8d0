-- Medical insurance (医保), the medical context's: who is insured for which year, the
-- hospitals and the catalogue that settlement reads, each person's medical year so far, and
-- every claim settled with what it paid and the figures it was settled on.
--
-- Persons are referred to by key without a foreign key, as the visiting roster does: the
-- registry's bulk load drops and re-creates person's.

-- A designated hospital (定点医疗机构) and its level, which the ratios and deductibles read.
CREATE TABLE medical_hospital (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('tier_1', 'tier_2', 'tier_3')),
    area_code     TEXT NOT NULL REFERENCES area (code),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);

-- The accounts a hospital's system signs in with (service providers): each acts for one
-- hospital only.
CREATE TABLE medical_hospital_staff (
    staff_name     TEXT PRIMARY KEY,
    hospital_code  TEXT NOT NULL REFERENCES medical_hospital (code)
);

-- The medical-insurance catalogue (医保目录): each item's class.
CREATE TABLE medical_item (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    class         TEXT NOT NULL CHECK (class IN ('a', 'b', 'c', 'outside')),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);

-- A person's insurance for one year: the scheme and tier, and the days it covers.
CREATE TABLE medical_cover (
    person_id     BIGINT NOT NULL,
    year          INTEGER NOT NULL,
    scheme        TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
    tier          TEXT NOT NULL CHECK (tier IN ('employee', 'adult_1', 'adult_2', 'child', 'student')),
    retired       BOOLEAN NOT NULL,
    two_diseases  BOOLEAN NOT NULL,
    covered_from  DATE NOT NULL,
    covered_to    DATE NOT NULL,
    -- The year's contribution: what the person pays, the fiscal subsidy (residents), and what
    -- the medical-assistance fund pays for a subsidised person (资助参保), by its category.
    contribution        BIGINT NOT NULL CHECK (contribution >= 0),
    fiscal_subsidy      BIGINT NOT NULL CHECK (fiscal_subsidy >= 0),
    assistance_subsidy  BIGINT NOT NULL CHECK (assistance_subsidy >= 0),
    assisted_as         TEXT CHECK (assisted_as IN ('tekun', 'dibao', 'severe_disability')),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (person_id, year),
    CHECK (covered_from <= covered_to)
);

-- An employee's personal account (个人账户).
CREATE TABLE medical_account (
    person_id     BIGINT PRIMARY KEY,
    balance       BIGINT NOT NULL CHECK (balance >= 0)
);

-- A person's medical year so far, moved by each settlement and its reversal in the same
-- transaction: the deductible borne per visit type, the pooling fund paid (outpatient pooling
-- apart), the in-policy cost the person bore, and the supplement paid.
CREATE TABLE medical_year (
    person_id               BIGINT NOT NULL,
    year                    INTEGER NOT NULL,
    deductible_general      BIGINT NOT NULL DEFAULT 0,
    deductible_chronic      BIGINT NOT NULL DEFAULT 0,
    deductible_inpatient    BIGINT NOT NULL DEFAULT 0,
    deductible_maternity    BIGINT NOT NULL DEFAULT 0,
    fund                    BIGINT NOT NULL DEFAULT 0,
    outpatient_fund         BIGINT NOT NULL DEFAULT 0,
    self_paid_in_policy     BIGINT NOT NULL DEFAULT 0,
    supplement              BIGINT NOT NULL DEFAULT 0,
    claims                  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, year)
);

-- A claim settled (就医结算): what the hospital sent (its number, the digest of its contents),
-- the facts it was settled on (cover, level, the year so far before it, the account balance),
-- who pays what, and the policy's digest. Reversed (冲正) claims stay, marked.
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
    UNIQUE (hospital_code, claim_number),
    CHECK (fund + supplement + account + person = total)
);
CREATE INDEX medical_claim_person ON medical_claim (person_id, year, id);
CREATE INDEX medical_claim_hospital_day ON medical_claim (hospital_code, day, id);

CREATE TABLE medical_claim_line (
    claim_id         BIGINT NOT NULL REFERENCES medical_claim (id),
    ordinal          INTEGER NOT NULL,
    item_code        TEXT NOT NULL,
    class            TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    in_policy        BIGINT NOT NULL,
    first_self_paid  BIGINT NOT NULL,
    PRIMARY KEY (claim_id, ordinal)
);
