-- Service providers (服务机构: meal-aid canteens, elderly-care stations) sign in as staff
-- with the role 'provider'. SQLite cannot change a CHECK constraint in place, and sqlx runs
-- each migration in a transaction (where foreign_keys cannot be switched off), so the table
-- is rebuilt with the foreign-key checks deferred to the commit: the accounts that refer to
-- staff are orphaned while the old table is dropped and whole again once the rows are back.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE staff_copy AS SELECT name, role, area_code, added_at, added_by FROM staff;
DROP TABLE staff;
CREATE TABLE staff (
    name      TEXT PRIMARY KEY,
    role      TEXT NOT NULL CHECK (role IN ('community', 'street', 'district', 'city', 'auditor', 'provider')),
    area_code TEXT NOT NULL REFERENCES area (code),
    added_at  BIGINT NOT NULL,
    added_by  TEXT NOT NULL
);
INSERT INTO staff (name, role, area_code, added_at, added_by)
    SELECT name, role, area_code, added_at, added_by FROM staff_copy;
DROP TABLE staff_copy;
