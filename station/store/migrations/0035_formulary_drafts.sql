-- formulary drafts: one product or recipe edited on the web, kept whole (both files) until a pharmacist signs it in as a new version or it is discarded
CREATE TABLE formulary_drafts (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('product', 'recipe')),
    item_id            TEXT NOT NULL,
    item_version       INTEGER NOT NULL DEFAULT 0,
    base_version       INTEGER NOT NULL,
    products_toml      TEXT NOT NULL,
    recipes_toml       TEXT NOT NULL,
    changes_json       TEXT NOT NULL DEFAULT '[]',
    created_by         TEXT NOT NULL,
    created_utc        TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'discarded')),
    decided_by         TEXT,
    decided_utc        TEXT,
    signature_audit_id INTEGER,
    result_version     INTEGER,
    note               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX formulary_drafts_open ON formulary_drafts(state, id);
-- A draft's content is what was validated and shown: it is never rewritten, only decided once.
CREATE TRIGGER formulary_drafts_content_fixed BEFORE UPDATE OF kind, item_id, item_version, base_version, products_toml,
    recipes_toml, changes_json, created_by, created_utc ON formulary_drafts
BEGIN SELECT RAISE(ABORT, 'a formulary draft is never edited: make a new one'); END;
CREATE TRIGGER formulary_drafts_decided_once BEFORE UPDATE OF state ON formulary_drafts WHEN OLD.state <> 'open'
BEGIN SELECT RAISE(ABORT, 'a formulary draft is decided once'); END;
CREATE TRIGGER formulary_drafts_no_delete BEFORE DELETE ON formulary_drafts
BEGIN SELECT RAISE(ABORT, 'a formulary draft is never deleted'); END;
