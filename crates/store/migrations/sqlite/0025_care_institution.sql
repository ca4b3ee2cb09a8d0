-- Care institutions (养老机构) and their supervision by 双随机、一公开 (国办发〔2015〕58号), the
-- eldercare context's. A draw records everything it was drawn from (the seed and both sorted
-- lists) and its result, so anyone can draw again and compare; a second draw for the same plan
-- and area needs a reason and supersedes the first, which stays. Each drawn institution's
-- inspection has one row per checklist item; a failed item carries its rectification deadline
-- and, once rectified, the day and a note.
CREATE TABLE care_institution (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    operator      TEXT NOT NULL,
    beds          BIGINT NOT NULL CHECK (beds >= 0),
    nursing_beds  BIGINT NOT NULL CHECK (nursing_beds >= 0 AND nursing_beds <= beds),
    residents     BIGINT NOT NULL CHECK (residents >= 0 AND residents <= beds),
    filed_on      DATE NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX care_institution_area ON care_institution (area_code);

CREATE TABLE supervision_draw (
    id              INTEGER PRIMARY KEY,
    plan            TEXT NOT NULL,
    area_code       TEXT NOT NULL,
    seed            TEXT NOT NULL,
    -- the institutions' codes and the inspectors' names drawn from, sorted, one per line
    institutions    TEXT NOT NULL,
    inspectors      TEXT NOT NULL,
    share_permille  BIGINT NOT NULL,
    per_institution BIGINT NOT NULL,
    -- code=name,name per drawn institution, in draw order
    result          TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    superseded_by   BIGINT,
    drawn_at        BIGINT NOT NULL,
    drawn_by        TEXT NOT NULL
);
CREATE INDEX supervision_draw_plan ON supervision_draw (plan, area_code);

CREATE TABLE inspection_result (
    draw_id        BIGINT NOT NULL,
    institution    TEXT NOT NULL,
    item           TEXT NOT NULL,
    passed         BOOLEAN NOT NULL,
    note           TEXT NOT NULL,
    inspected_on   DATE NOT NULL,
    rectify_by     DATE,
    rectified_on   DATE,
    rectified_note TEXT NOT NULL DEFAULT '',
    recorded_at    BIGINT NOT NULL,
    recorded_by    TEXT NOT NULL,
    PRIMARY KEY (draw_id, institution, item)
);
