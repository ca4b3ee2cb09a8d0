-- Meal aid (老年助餐), the eldercare context's: canteens with their staff, dishes and delivery
-- areas; elders' authorisations for relatives to order (亲属代订餐); orders, each priced when
-- placed and split by who pays it; corrections to served meals; and each canteen's
-- month settled by funding source, approved by someone other than its maker.
--
-- A slot's start is 'HH:MM' (NULL: the canteen does not serve it). `delivers_to` lists area
-- codes separated by spaces ('' : no delivery).
CREATE TABLE canteen (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    capacity      BIGINT NOT NULL CHECK (capacity > 0),
    breakfast     TEXT,
    lunch         TEXT,
    dinner        TEXT,
    delivers_to   TEXT NOT NULL,
    bank_account  TEXT NOT NULL,
    opened_on     DATE NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX canteen_area ON canteen (area_code);

-- A provider account that works for a canteen: it orders, serves and settles for that one.
CREATE TABLE canteen_staff (
    staff_name    TEXT PRIMARY KEY REFERENCES staff (name),
    canteen_code  TEXT NOT NULL REFERENCES canteen (code)
);

CREATE TABLE canteen_dish (
    canteen_code  TEXT NOT NULL REFERENCES canteen (code),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    slot          TEXT NOT NULL CHECK (slot IN ('breakfast', 'lunch', 'dinner')),
    price         BIGINT NOT NULL CHECK (price > 0),
    discount      BIGINT NOT NULL CHECK (discount >= 0 AND discount <= price),
    PRIMARY KEY (canteen_code, code)
);

-- An elder's authorisation for someone outside their household to order for them.
CREATE TABLE meal_proxy (
    elder_id            BIGINT NOT NULL,
    relative_id_number  TEXT NOT NULL,
    relative_name       TEXT NOT NULL,
    granted_on          DATE NOT NULL,
    recorded_at         BIGINT NOT NULL,
    recorded_by         TEXT NOT NULL,
    PRIMARY KEY (elder_id, relative_id_number)
);

-- An order, with the meal's price as it was quoted: the canteen's discount, the city's and the
-- district's subsidy, what the elder pays, the elder's cap and the rule that set it. A meal is
-- settled in `settle_month`, set when it is recorded as served: the month of its day, or, when
-- the canteen's settlement of that month is already approved, the first month after it not yet
-- approved (a late meal goes into the next settlement). A month's statement is then a sum over
-- one range of an index, with nothing to mark.
CREATE TABLE meal_order (
    id            INTEGER PRIMARY KEY,
    canteen_code  TEXT NOT NULL REFERENCES canteen (code),
    person_id     BIGINT NOT NULL,
    id_number     TEXT NOT NULL,
    name          TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    day           DATE NOT NULL,
    slot          TEXT NOT NULL CHECK (slot IN ('breakfast', 'lunch', 'dinner')),
    service       TEXT NOT NULL CHECK (service IN ('dine_in', 'delivered')),
    dish_code     TEXT NOT NULL,
    price         BIGINT NOT NULL,
    discount      BIGINT NOT NULL,
    city          BIGINT NOT NULL,
    district      BIGINT NOT NULL,
    elder         BIGINT NOT NULL,
    cap           BIGINT NOT NULL,
    rule          TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('canteen', 'relative')),
    ordered_by    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('ordered', 'served', 'cancelled')),
    status_at     BIGINT NOT NULL,
    status_by     TEXT NOT NULL,
    settle_month  TEXT,
    recorded_at   BIGINT NOT NULL,
    CHECK ((status = 'served') = (settle_month IS NOT NULL)),
    CHECK (discount + city + district + elder = price)
);
CREATE INDEX meal_order_elder ON meal_order (person_id, day, slot);
CREATE INDEX meal_order_canteen ON meal_order (canteen_code, day, slot);
CREATE INDEX meal_order_by ON meal_order (ordered_by, day);
-- Covering: a month's statement is summed from the index alone.
CREATE INDEX meal_order_settle ON meal_order
    (canteen_code, settle_month, service, price, discount, city, district, elder)
    WHERE status = 'served';

-- A served meal found wrong (an elder who was not there, a meal never delivered): its
-- government parts are taken back in `settle_month`, the first month from the meal's own not
-- yet approved.
CREATE TABLE meal_correction (
    id            INTEGER PRIMARY KEY,
    order_id      BIGINT NOT NULL UNIQUE REFERENCES meal_order (id),
    canteen_code  TEXT NOT NULL,
    city          BIGINT NOT NULL,
    district      BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    settle_month  TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX meal_correction_settle ON meal_correction (canteen_code, settle_month);

CREATE TABLE meal_settlement (
    id            INTEGER PRIMARY KEY,
    canteen_code  TEXT NOT NULL REFERENCES canteen (code),
    month         TEXT NOT NULL,
    meals         BIGINT NOT NULL,
    subsidised    BIGINT NOT NULL,
    dine_in       BIGINT NOT NULL,
    delivered     BIGINT NOT NULL,
    price         BIGINT NOT NULL,
    discount      BIGINT NOT NULL,
    city          BIGINT NOT NULL,
    district      BIGINT NOT NULL,
    elder         BIGINT NOT NULL,
    corrections   BIGINT NOT NULL,
    corrected_city     BIGINT NOT NULL,
    corrected_district BIGINT NOT NULL,
    computed_at   BIGINT NOT NULL,
    computed_by   TEXT NOT NULL,
    approved_at   BIGINT,
    approved_by   TEXT,
    UNIQUE (canteen_code, month),
    CHECK (approved_by IS NULL OR approved_by <> computed_by)
);

-- What the government owes a service provider (a canteen's approved month, say), and the
-- append-only ledger that pays each due once, in a numbered batch of a month's bank file.
CREATE TABLE provider_due (
    id            INTEGER PRIMARY KEY,
    month         TEXT NOT NULL,
    program       TEXT NOT NULL,
    source_id     BIGINT NOT NULL,
    payee_code    TEXT NOT NULL,
    payee_name    TEXT NOT NULL,
    bank_account  TEXT NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    detail        TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL,
    UNIQUE (program, source_id)
);
CREATE TABLE provider_ledger (
    id            INTEGER PRIMARY KEY,
    due_id        BIGINT NOT NULL UNIQUE REFERENCES provider_due (id),
    month         TEXT NOT NULL,
    batch         BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX provider_ledger_batch ON provider_ledger (month, batch);
CREATE TRIGGER provider_ledger_no_update BEFORE UPDATE ON provider_ledger
BEGIN
    SELECT RAISE(ABORT, 'the provider ledger is append-only');
END;
CREATE TRIGGER provider_ledger_no_delete BEFORE DELETE ON provider_ledger
BEGIN
    SELECT RAISE(ABORT, 'the provider ledger is append-only');
END;
