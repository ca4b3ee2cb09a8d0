-- Sign-in for the web service. A password hash is argon2 (PHC string); session and API
-- tokens are stored only as their SHA-256, so a copy of the database lets nobody sign in.

-- A staff member's or a resident's account: exactly one of staff_name and id_number.
CREATE TABLE account (
    login         TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    staff_name    TEXT REFERENCES staff (name),
    id_number     TEXT,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    CHECK ((staff_name IS NULL) <> (id_number IS NULL))
);

CREATE TABLE web_session (
    token_sha256 TEXT PRIMARY KEY,
    login        TEXT NOT NULL REFERENCES account (login),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX web_session_login ON web_session (login);

-- Tokens for system-to-system clients: the account's rights and area, no cookies.
CREATE TABLE api_token (
    token_sha256 TEXT PRIMARY KEY,
    login        TEXT NOT NULL REFERENCES account (login),
    label        TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
