-- China's holiday calendar (放假调休安排): the dates that differ from the Monday–Friday rule,
-- per year as the State Council publishes them. A year is loaded when it has rows.
CREATE TABLE calendar_day (
    date     DATE PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    occasion TEXT NOT NULL
);
