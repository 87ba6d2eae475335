-- signed checkpoints of the audit trail and the station's demo/real mark
-- Each row signs (with the Ed25519 key kept outside the database) the hash of audit row upto_id,
-- and so every row up to it. Append-only like the trail itself.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    upto_id   INTEGER NOT NULL,
    upto_hash TEXT NOT NULL,
    at_utc    TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
