-- The 15-minute elderly-service circle (15分钟养老服务圈), the eldercare context's: where
-- households live and where service points stand, as WGS-84 coordinates in millionths of a
-- degree (integers: about 0.1 m, exact to store and compare), and each computed coverage.
--
-- A household's location is its dwelling's; a real city imports it with its roster, the
-- synthetic city places its households around their community. Households are referred to by
-- key without a foreign key, as the visiting roster does: the registry's bulk load drops and
-- re-creates household's.
CREATE TABLE household_location (
    household_id  BIGINT PRIMARY KEY,
    lon           BIGINT NOT NULL,
    lat           BIGINT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('synthetic', 'imported')),
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);

-- Every place that serves older residents, whichever register it is filed in (centres and
-- stations in care_facility, canteens in canteen, institutions in care_institution) or
-- none yet (dementia care centres): the circle's map.
CREATE TABLE service_point (
    kind          TEXT NOT NULL CHECK (kind IN ('street_centre', 'community_station', 'canteen',
                                                'dementia_centre', 'institution')),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    area_code     TEXT NOT NULL REFERENCES area (code),
    lon           BIGINT NOT NULL,
    lat           BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (kind, code)
);

-- A coverage as computed over the registry on `as_of`, with the model's figures it used.
CREATE TABLE circle_run (
    id                      INTEGER PRIMARY KEY,
    as_of                   DATE NOT NULL,
    walk_metres_per_minute  BIGINT NOT NULL,
    detour_percent          BIGINT NOT NULL,
    minutes                 BIGINT NOT NULL,
    target_percent          BIGINT NOT NULL,
    elders                  BIGINT NOT NULL,
    located                 BIGINT NOT NULL,
    covered                 BIGINT NOT NULL,
    points                  BIGINT NOT NULL,
    computed_at             BIGINT NOT NULL,
    computed_by             TEXT NOT NULL
);

-- Per community: its older residents, those located, those within reach of any service point
-- and of each kind, and where its elders live on average (where the map draws it).
CREATE TABLE circle_community (
    run_id             BIGINT NOT NULL REFERENCES circle_run (id),
    area_code          TEXT NOT NULL,
    elders             BIGINT NOT NULL,
    located            BIGINT NOT NULL,
    covered            BIGINT NOT NULL,
    street_centre      BIGINT NOT NULL,
    community_station  BIGINT NOT NULL,
    canteen            BIGINT NOT NULL,
    dementia_centre    BIGINT NOT NULL,
    institution        BIGINT NOT NULL,
    lon                BIGINT,
    lat                BIGINT,
    PRIMARY KEY (run_id, area_code)
);

-- Where new stations would reach the most elders no service point reaches, in the order a
-- greedy placement chose them in their district (ordinal), each with the elders it adds.
CREATE TABLE circle_suggestion (
    run_id     BIGINT NOT NULL REFERENCES circle_run (id),
    ordinal    BIGINT NOT NULL,
    area_code  TEXT NOT NULL,
    lon        BIGINT NOT NULL,
    lat        BIGINT NOT NULL,
    gain       BIGINT NOT NULL,
    PRIMARY KEY (run_id, area_code, ordinal)
);
