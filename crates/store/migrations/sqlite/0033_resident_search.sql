-- The current residents as they are searched for: one row per person with a current version
-- (the open one nothing has superseded), with that version's household and the household's
-- area. A search counts a name's matches within an area from an index alone and reads only
-- the rows of its page; through person, person_version and household it read three tables a
-- match, and a common name has thousands in a 10M city.
--
-- Every registry write keeps it in step, in the write's own transaction: a load adds the
-- persons it registers, an amendment replaces the person's row (store/src/access.rs,
-- SEARCH_ROWS). Derived, so it has no keys of its own to other tables.
CREATE TABLE resident_search (
    person_id      INTEGER PRIMARY KEY,
    household_id   INTEGER NOT NULL,
    household_code TEXT NOT NULL,
    area_code      TEXT NOT NULL,
    name           TEXT NOT NULL,
    id_number      TEXT NOT NULL
);

INSERT INTO resident_search (person_id, household_id, household_code, area_code, name, id_number)
SELECT v.person_id, h.id, h.code, h.area_code, p.name, p.id_number
FROM person_version v
JOIN person p ON p.id = v.person_id
JOIN household h ON h.id = v.household_id
WHERE v.superseded_at IS NULL AND v.valid_to IS NULL;

-- A name's and a given name's first two characters, an ID number's last four; each then the
-- area, so that a scope is a range within one key, and then the whole name or number, so that
-- a whole name, or more than the indexed characters, is matched within the index too. A whole
-- name is a name's first two characters and the rest: it needs no index of its own.
CREATE INDEX resident_search_name_start ON resident_search (substr(name, 1, 2), area_code, name);
CREATE INDEX resident_search_given_name_start ON resident_search (substr(name, 2, 2), area_code, name);
CREATE INDEX resident_search_id_number_end ON resident_search (substr(id_number, 15), area_code, id_number);

-- Their place on person is taken by the indexes above: 0032's for searches, and the index of
-- names and birth dates, which served only the import's check for "probably the same person"
-- (the same name, birth date and area), now read by name within the area.
DROP INDEX person_identity;
DROP INDEX person_name_start;
DROP INDEX person_given_name_start;
DROP INDEX person_id_number_end;
