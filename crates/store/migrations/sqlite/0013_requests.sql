-- A resident's own request for help (居民自助申请), made on the web: it waits for the
-- community's caseworker, who accepts it as a one-thing application (the MCA procedure starts
-- with 受理 by staff) or declines it with a reason. No foreign key to household (see 0006).
CREATE TABLE application_request (
    id             INTEGER PRIMARY KEY,
    household_id   BIGINT NOT NULL,
    area_code      TEXT NOT NULL,
    programs       TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    note           TEXT NOT NULL,
    requested_at   BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'accepted', 'declined')),
    handled_by     TEXT,
    handled_at     BIGINT,
    application_id BIGINT,
    reason         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_request_area ON application_request (area_code, status);
CREATE INDEX application_request_household ON application_request (household_id);
