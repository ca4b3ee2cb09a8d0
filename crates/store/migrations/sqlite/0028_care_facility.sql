-- Elderly-care service facilities (养老服务设施), the eldercare context's: a street's or town's
-- comprehensive centre (镇街综合养老服务机构) and a village's or community's station (村居养老
-- 服务站) — places that serve the older residents around them, without beds to supervise.
CREATE TABLE care_facility (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    area_code    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('street_centre', 'community_station')),
    opened_on    DATE NOT NULL,
    recorded_at  BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX care_facility_area ON care_facility (area_code);
