-- Published counts of a service list (the basic elderly service list first), the eldercare
-- context's: for each month and street, how many people the list is for and how many the rules
-- entitle to each item (item '' is the people the list is for). Publishing a month again replaces
-- its rows, in one transaction with the audit entry; the public page reads the latest month.
CREATE TABLE service_count (
    list          TEXT NOT NULL,
    month         TEXT NOT NULL,
    version_from  DATE NOT NULL,
    street_code   TEXT NOT NULL,
    item          TEXT NOT NULL,
    persons       BIGINT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (list, month, street_code, item)
);
