-- Older persons' ability assessments (老年人能力评估, GB/T 42195-2022), the eldercare context's:
-- each form as the assessors handed it in, with the total and level the catalog's scale found
-- and the digest of the rules that scored it. The level is also set in the registry
-- (person_version.ability_level) from the day of the assessment, in the same transaction. No
-- foreign key to person: a bulk load of the registry drops and rebuilds its keys.
CREATE TABLE ability_assessment (
    id            INTEGER PRIMARY KEY,
    person_id     BIGINT NOT NULL,
    assessed_on   DATE NOT NULL,
    -- item=score;… and condition=value;… in the scale's order
    scores        TEXT NOT NULL,
    conditions    TEXT NOT NULL,
    total         BIGINT NOT NULL,
    level         TEXT NOT NULL,
    assessor      TEXT NOT NULL,
    reviewer      TEXT NOT NULL CHECK (reviewer <> assessor),
    reason        TEXT NOT NULL DEFAULT '',
    policy_digest TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX ability_assessment_person ON ability_assessment (person_id, assessed_on);
