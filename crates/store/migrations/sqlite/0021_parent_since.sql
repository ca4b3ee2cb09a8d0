-- A parent's situation carries its dates: `situation[:since[~until]]` (see
-- `minsheng_core::registry::Parent`). Imprisonment, detention and loss of contact count only
-- once they last, so their start must be on record. Rows written before the dates were kept
-- take the first day any version of the person records the situation: the earliest the
-- registry knew of it, which can only make it count later than it began, never sooner.
CREATE TEMP TABLE parent_start AS
    SELECT person_id, 'father' AS parent, father AS situation, MIN(valid_from) AS since
        FROM person_version WHERE father IN ('imprisoned', 'detained', 'unreachable')
        GROUP BY person_id, father
    UNION ALL
    SELECT person_id, 'mother', mother, MIN(valid_from)
        FROM person_version WHERE mother IN ('imprisoned', 'detained', 'unreachable')
        GROUP BY person_id, mother;
UPDATE person_version SET father = father || ':' || (
    SELECT s.since FROM parent_start s
        WHERE s.person_id = person_version.person_id AND s.parent = 'father'
          AND s.situation = person_version.father)
    WHERE father IN ('imprisoned', 'detained', 'unreachable');
UPDATE person_version SET mother = mother || ':' || (
    SELECT s.since FROM parent_start s
        WHERE s.person_id = person_version.person_id AND s.parent = 'mother'
          AND s.situation = person_version.mother)
    WHERE mother IN ('imprisoned', 'detained', 'unreachable');
DROP TABLE parent_start;
