-- Visiting care (探访关爱), the eldercare context's: the older residents the rules list for
-- visits with their risk tier, the visitors who call on them (community staff, social workers,
-- volunteers: 五社联动), each visit as recorded, and the cases (转办) a visit raises.
--
-- `visit_roster` is refreshed from the registry by the catalog's `visiting_care_tier`: an elder
-- joins it on `since`, leaves it on `ended_on` (no longer qualifies, died, moved away), and is
-- due an interval of their tier after `last_reached` (the last visit that reached them), or
-- after `since` when none has. `last_reached` is kept by the visit's own transaction, so the
-- due list of a whole city is one read of this table. Persons are referred to by key without
-- a foreign key, as meal orders are: the registry's bulk load drops and re-creates person's.
CREATE TABLE care_visitor (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('community_staff', 'social_worker', 'volunteer')),
    area_code     TEXT NOT NULL REFERENCES area (code),
    phone         TEXT NOT NULL,
    -- The staff account the visitor signs in with, when they have one.
    account       TEXT REFERENCES staff (name),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    UNIQUE (area_code, name)
);

CREATE TABLE visit_roster (
    person_id     BIGINT PRIMARY KEY,
    household_id  BIGINT NOT NULL,
    area_code     TEXT NOT NULL,
    tier          BIGINT NOT NULL CHECK (tier BETWEEN 1 AND 3),
    since         DATE NOT NULL,
    last_reached  DATE,
    visitor_id    BIGINT REFERENCES care_visitor (id),
    ended_on      DATE
);
CREATE INDEX visit_roster_area ON visit_roster (area_code) WHERE ended_on IS NULL;

-- Each refresh of the roster: when, by whom, against which day's registry, with what effect.
CREATE TABLE visit_roster_refresh (
    id            INTEGER PRIMARY KEY,
    as_of         DATE NOT NULL,
    listed        BIGINT NOT NULL,
    joined        BIGINT NOT NULL,
    changed       BIGINT NOT NULL,
    ended         BIGINT NOT NULL,
    refreshed_at  BIGINT NOT NULL,
    refreshed_by  TEXT NOT NULL
);

CREATE TABLE care_visit (
    id            INTEGER PRIMARY KEY,
    person_id     BIGINT NOT NULL,
    visitor_id    BIGINT NOT NULL REFERENCES care_visitor (id),
    visited_on    DATE NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('home', 'phone')),
    reached       BOOLEAN NOT NULL,
    found         TEXT NOT NULL CHECK (found <> ''),
    follow_up     TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX care_visit_person ON care_visit (person_id, visited_on);

-- A case a visit raised, in the queue of the elder's community. It is closed by what meets it,
-- in that change's own transaction — an ability assessment recorded, a meal ordered for the
-- elder — or by staff with the outcome in words (`handed_to` says where it went: an
-- assessment, a meal order, a temporary-assistance case number).
CREATE TABLE care_referral (
    id            INTEGER PRIMARY KEY,
    visit_id      BIGINT NOT NULL REFERENCES care_visit (id),
    person_id     BIGINT NOT NULL,
    area_code     TEXT NOT NULL,
    need          TEXT NOT NULL CHECK (need IN ('meal_aid', 'assessment', 'temporary_assistance')),
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    raised_at     BIGINT NOT NULL,
    handed_to     TEXT,
    outcome       TEXT NOT NULL DEFAULT '',
    closed_at     BIGINT,
    closed_by     TEXT,
    UNIQUE (visit_id, need)
);
CREATE INDEX care_referral_open ON care_referral (area_code) WHERE status = 'open';
CREATE INDEX care_referral_person ON care_referral (person_id, need) WHERE status = 'open';

