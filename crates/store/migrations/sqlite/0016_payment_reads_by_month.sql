-- A month's payments are read without the registry or the other months.
--
-- The ledger keeps its entitlement's month, so a batch, a cycle's status and the next
-- disbursement read one month through an index instead of joining every entitlement ever
-- stored (the ledger grows by about 100,000 rows a month in a city of 5M).
ALTER TABLE ledger ADD COLUMN month TEXT NOT NULL DEFAULT '';
DROP TRIGGER ledger_no_update;
UPDATE ledger SET month = (SELECT e.month FROM entitlement e WHERE e.id = ledger.entitlement_id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the payment ledger is append-only');
END;
CREATE INDEX ledger_month_batch ON ledger (month, batch);

-- An entitlement names its payee and household as the cycle froze them: the bank file is
-- written from the payment tables alone (joining person and household for 100,000 payees
-- read most of both tables), and it pays whom the approved cycle named.
ALTER TABLE entitlement ADD COLUMN household_code TEXT NOT NULL DEFAULT '';
ALTER TABLE entitlement ADD COLUMN payee_name TEXT NOT NULL DEFAULT '';
ALTER TABLE entitlement ADD COLUMN payee_id_number TEXT NOT NULL DEFAULT '';
UPDATE entitlement SET
    household_code = (SELECT h.code FROM household h WHERE h.id = entitlement.household_id),
    payee_name = (SELECT p.name FROM person p WHERE p.id = entitlement.person_id),
    payee_id_number = (SELECT p.id_number FROM person p WHERE p.id = entitlement.person_id);

-- An approved cycle's entitlements can be neither changed nor removed (on PostgreSQL this is
-- what keeps the ledger's key to them from dangling; here the foreign key stays too, as
-- dropping it would mean rebuilding the table). The index on ledger.entitlement_id alone
-- duplicated ledger_paid_once for every query that used it.
DROP INDEX ledger_entitlement;
CREATE TRIGGER entitlement_no_update_once_approved BEFORE UPDATE ON entitlement
WHEN EXISTS (SELECT 1 FROM pay_cycle WHERE month = OLD.month AND approved_by IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the cycle is approved: its entitlements can no longer change');
END;
CREATE TRIGGER entitlement_no_delete_once_approved BEFORE DELETE ON entitlement
WHEN EXISTS (SELECT 1 FROM pay_cycle WHERE month = OLD.month AND approved_by IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the cycle is approved: its entitlements can no longer change');
END;
