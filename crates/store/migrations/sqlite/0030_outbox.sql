-- The notifications outbox. A notice is written in the transaction of the event that causes
-- it (a decision, a declined request, a suspended benefit, a payment the bank returned), so an
-- event never commits without its notice nor a notice without its event. `key` names the
-- event: writing the same event again adds nothing. The resident reads every notice in the web
-- inbox; each other channel the resident chose gets a delivery row, which the dispatcher
-- claims, sends and records, with its retries.
CREATE TABLE notice (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    household_code TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    read_at        BIGINT
);
CREATE INDEX notice_recipient ON notice (id_number, id);

-- One channel's delivery of a notice, at most one per notice and channel. `address` is the
-- phone number or email address as the resident's preferences held it when the notice was
-- written. pending → sending (claimed by one dispatcher run, `claim`, until `next_at`) → sent,
-- or back to pending with a later `next_at` after a failure that may pass, or failed.
CREATE TABLE notice_delivery (
    id         INTEGER PRIMARY KEY,
    notice_id  BIGINT NOT NULL REFERENCES notice (id),
    channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    address    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    claim      TEXT NOT NULL DEFAULT '',
    sent_at    BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (notice_id, channel)
);
CREATE INDEX notice_delivery_due ON notice_delivery (status, next_at);

-- How a resident wants to be told, beyond the web inbox: a phone number for SMS and an email
-- address, each with whether it is used.
CREATE TABLE contact_preference (
    id_number  TEXT PRIMARY KEY,
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    use_sms    INTEGER NOT NULL DEFAULT 0 CHECK (use_sms IN (0, 1)),
    use_email  INTEGER NOT NULL DEFAULT 0 CHECK (use_email IN (0, 1)),
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
