-- An older person's ability level (老年人能力等级, GB/T 42195-2022) as a dated fact of the
-- registry: the level of the last confirmed assessment from the day it holds; NULL when the
-- person was never assessed.
ALTER TABLE person_version ADD COLUMN ability_level TEXT;
