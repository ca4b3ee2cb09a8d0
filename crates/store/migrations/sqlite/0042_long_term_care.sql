-- Long-term care insurance (长期护理保险): designated care providers and the forms of care they
-- give, the staff accounts that act for them, the insured persons qualified for care by a
-- disability assessment (or the older person's ability level the registry holds) with the
-- provider that cares for them, and a provider's month of care as claimed, settled by the
-- rules and approved; what the fund owes the provider is then a due of the payments context.
CREATE TABLE ltc_provider (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    area_code       TEXT NOT NULL REFERENCES area (code),
    forms           TEXT NOT NULL,
    bank_account    TEXT NOT NULL,
    registered_on   DATE NOT NULL,
    recorded_at     BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL
);
CREATE TABLE ltc_provider_staff (
    staff_name      TEXT PRIMARY KEY REFERENCES staff (name),
    provider_code   TEXT NOT NULL REFERENCES ltc_provider (code)
);
CREATE TABLE ltc_qualification (
    id                  INTEGER PRIMARY KEY,
    person_id           BIGINT NOT NULL,
    provider_code       TEXT NOT NULL REFERENCES ltc_provider (code),
    form                TEXT NOT NULL CHECK (form IN ('institutional', 'home', 'family')),
    disability_grade    SMALLINT NOT NULL CHECK (disability_grade BETWEEN 0 AND 5),
    ability             TEXT NOT NULL,
    assessed_by         TEXT NOT NULL,
    assessed_on         DATE NOT NULL,
    valid_from          DATE NOT NULL,
    valid_to            DATE,
    recorded_at         BIGINT NOT NULL,
    recorded_by         TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX ltc_qualification_person ON ltc_qualification (person_id, valid_from);
CREATE INDEX ltc_qualification_provider ON ltc_qualification (provider_code, valid_from);
CREATE TABLE ltc_month (
    id              INTEGER PRIMARY KEY,
    provider_code   TEXT NOT NULL REFERENCES ltc_provider (code),
    month           TEXT NOT NULL,
    total           BIGINT NOT NULL,
    fund            BIGINT NOT NULL,
    person          BIGINT NOT NULL,
    policy_digest   TEXT NOT NULL,
    claimed_at      BIGINT NOT NULL,
    claimed_by      TEXT NOT NULL,
    approved_at     BIGINT,
    approved_by     TEXT,
    UNIQUE (provider_code, month),
    CHECK (fund + person = total)
);
-- One insured person's month at the provider (the rules' `care`): the facts it was settled on
-- and what the fund pays; and its stretches of days (the rules' `stretch`), each at its form.
CREATE TABLE ltc_care (
    id                  INTEGER PRIMARY KEY,
    month_id            BIGINT NOT NULL REFERENCES ltc_month (id),
    person_id           BIGINT NOT NULL,
    id_number           TEXT NOT NULL,
    qualification_id    BIGINT NOT NULL REFERENCES ltc_qualification (id),
    scheme              TEXT NOT NULL,
    disability_grade    SMALLINT NOT NULL,
    ability             TEXT NOT NULL,
    cost                BIGINT NOT NULL,
    fund                BIGINT NOT NULL,
    person              BIGINT NOT NULL,
    UNIQUE (month_id, person_id),
    CHECK (fund + person = cost)
);
CREATE INDEX ltc_care_person ON ltc_care (person_id);
CREATE TABLE ltc_stretch (
    id              INTEGER PRIMARY KEY,
    care_id         BIGINT NOT NULL REFERENCES ltc_care (id),
    qualification_id BIGINT NOT NULL REFERENCES ltc_qualification (id),
    form            TEXT NOT NULL,
    day_from        DATE NOT NULL,
    day_to          DATE NOT NULL,
    days            BIGINT NOT NULL CHECK (days > 0),
    cost            BIGINT NOT NULL,
    CHECK (day_from <= day_to)
);
CREATE INDEX ltc_stretch_care ON ltc_stretch (care_id);

-- The day a stay began (入院日期), when the hospital sends it: the days from it to the claim's
-- day (the discharge) are days in hospital, on which long-term care insurance pays nothing.
ALTER TABLE medical_claim ADD COLUMN admitted DATE;
