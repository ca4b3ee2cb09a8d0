-- The audit log is append-only: no statement changes or removes an entry, whoever sends it.
-- (Whoever can drop these triggers can rewrite the file as well; `audit verify --anchor`
-- finds that against heads witnessed outside the database.)
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be removed');
END;
