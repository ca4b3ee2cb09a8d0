-- Transfers of a person's medical insurance between pooling areas (基本医疗保险关系转移接续,
-- 医保办发〔2021〕43号): each information sheet (参保人员基本医疗保险信息表) the city received
-- or sent, filed once under its number on the platform.
CREATE TABLE medical_transfer (
    sheet_number         TEXT PRIMARY KEY,
    person_id            BIGINT NOT NULL,
    direction            TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    -- The other pooling area (six digits) and whether it is in the province.
    other_area           TEXT NOT NULL,
    route                TEXT NOT NULL CHECK (route IN ('in_province', 'cross_province')),
    scheme               TEXT NOT NULL CHECK (scheme IN ('employee', 'resident')),
    covered_since        DATE NOT NULL,
    covered_until        DATE NOT NULL,
    contribution_months  BIGINT NOT NULL CHECK (contribution_months >= 0),
    account_balance      BIGINT NOT NULL CHECK (account_balance >= 0),
    -- The online application of a cross-province transfer; none within the province.
    application          TEXT,
    recorded_at          BIGINT NOT NULL,
    recorded_by          TEXT NOT NULL,
    CHECK (covered_since <= covered_until),
    CHECK (route = 'in_province' OR application IS NOT NULL)
);

CREATE INDEX medical_transfer_person ON medical_transfer (person_id, direction, covered_until);
