-- Hash chain over the audit log: each entry's hash covers its own fields and the previous
-- entry's hash, so an altered, removed or reordered entry breaks the chain (`audit verify`).
-- Entries written before this migration keep empty hashes; verify reports them as unchained.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
