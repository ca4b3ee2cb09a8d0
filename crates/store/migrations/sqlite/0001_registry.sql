-- SQLite twin of migrations/postgres/0001_registry.sql: INTEGER PRIMARY KEY makes the id the rowid.
-- The registry (一人一档). Times of record are microseconds since the Unix epoch (UTC) in
-- BIGINT so that both backends compare them exactly; dates of validity are DATE.

CREATE TABLE area (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT REFERENCES area (code),
    urban       BOOLEAN NOT NULL
);

CREATE TABLE household (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    area_code   TEXT NOT NULL REFERENCES area (code),
    recorded_at BIGINT NOT NULL
);

CREATE TABLE person (
    id          INTEGER PRIMARY KEY,
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    birth_date  DATE NOT NULL,
    -- Identity only: when and by whom the person was registered is on their first version.
    sex         TEXT NOT NULL
);

CREATE TABLE person_version (
    id                     INTEGER PRIMARY KEY,
    person_id              BIGINT NOT NULL REFERENCES person (id),
    valid_from             DATE NOT NULL,
    valid_to               DATE,
    recorded_at            BIGINT NOT NULL,
    superseded_at          BIGINT,
    recorded_by            TEXT NOT NULL,
    household_id           BIGINT NOT NULL REFERENCES household (id),
    relation               TEXT NOT NULL,
    lives_together         BOOLEAN NOT NULL,
    hukou                  TEXT NOT NULL,
    area_code              TEXT NOT NULL REFERENCES area (code),
    death_date             DATE,
    disability_category    TEXT,
    disability_grade       SMALLINT,
    illnesses              TEXT NOT NULL,
    work_ability           TEXT NOT NULL,
    employment             TEXT NOT NULL,
    income_wage                   BIGINT NOT NULL,
    income_business               BIGINT NOT NULL,
    income_property               BIGINT NOT NULL,
    income_transfer               BIGINT NOT NULL,
    income_pension                BIGINT NOT NULL,
    income_residents_basic_pension BIGINT NOT NULL,
    income_social_assistance      BIGINT NOT NULL,
    income_scholarship            BIGINT NOT NULL,
    income_family_planning_reward BIGINT NOT NULL,
    income_bravery_award          BIGINT NOT NULL,
    deposits               BIGINT NOT NULL,
    vehicles               SMALLINT NOT NULL,
    homes                  SMALLINT NOT NULL,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK (disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4)
);

-- Secondary indexes. A load into an empty registry drops and rebuilds these within its
-- transaction (see DEFERRED in src/bulk.rs, which must list the same ones; a test compares them).
CREATE UNIQUE INDEX household_code ON household (code);
CREATE UNIQUE INDEX person_id_number ON person (id_number);
CREATE INDEX person_identity ON person (name, birth_date);
CREATE INDEX person_version_person_idx ON person_version (person_id);
CREATE INDEX person_version_household_idx ON person_version (household_id);
