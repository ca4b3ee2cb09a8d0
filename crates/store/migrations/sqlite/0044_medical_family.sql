-- Family mutual aid of the employees' personal account (个人账户家庭共济): an employee binds a
-- spouse, parent or child (the registry's relations) whose costs the account may then pay; a
-- binding ends on the day it is ended. A claim paid from a family member's account records
-- whose it was, so that a reversal gives it back there.
CREATE TABLE medical_family_binding (
    id              INTEGER PRIMARY KEY,
    holder_id       BIGINT NOT NULL,
    relative_id     BIGINT NOT NULL,
    relation        TEXT NOT NULL CHECK (relation IN ('spouse', 'parent', 'child')),
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    recorded_at     BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL,
    CHECK (holder_id <> relative_id),
    CHECK (valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX medical_family_binding_relative ON medical_family_binding (relative_id, valid_from);
CREATE INDEX medical_family_binding_holder ON medical_family_binding (holder_id, valid_from);
ALTER TABLE medical_claim ADD COLUMN account_holder BIGINT;
