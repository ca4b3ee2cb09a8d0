-- Searching for part of a name or the tail of an ID number within an area, by index: the
-- residents whose name, or given name, begins with the two characters typed, and those whose
-- ID number ends in the four typed last. The search reads only them, then keeps those in the
-- area; without these it read every resident of the area (a district: a million).
CREATE INDEX person_name_start ON person (substr(name, 1, 2));
CREATE INDEX person_given_name_start ON person (substr(name, 2, 2));
CREATE INDEX person_id_number_end ON person (substr(id_number, 15));
