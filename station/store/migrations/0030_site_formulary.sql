-- the site's formulary: signed versions (the TOML as imported) and the state of each recipe version
CREATE TABLE formulary_versions (
    version            INTEGER PRIMARY KEY,
    products_toml      TEXT NOT NULL,
    recipes_toml       TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    changes_json       TEXT NOT NULL DEFAULT '[]',
    signed_by          TEXT NOT NULL,
    signed_utc         TEXT NOT NULL,
    signature_audit_id INTEGER NOT NULL,
    note               TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER formulary_versions_no_update BEFORE UPDATE ON formulary_versions
BEGIN SELECT RAISE(ABORT, 'a formulary version is never edited: import a new one'); END;
CREATE TRIGGER formulary_versions_no_delete BEFORE DELETE ON formulary_versions
BEGIN SELECT RAISE(ABORT, 'a formulary version is never deleted'); END;

-- The current state of every recipe version ever stored: draft until a pharmacist approves it,
-- retired when a later formulary leaves it out or a pharmacist retires it.
CREATE TABLE recipe_states (
    recipe_id          TEXT NOT NULL,
    recipe_version     INTEGER NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'retired')),
    changed_by         TEXT NOT NULL,
    changed_utc        TEXT NOT NULL,
    signature_audit_id INTEGER,
    formulary_version  INTEGER NOT NULL REFERENCES formulary_versions(version),
    PRIMARY KEY (recipe_id, recipe_version)
);

-- Every change of state, oldest first (the audit trail has the same, hash-chained).
CREATE TABLE recipe_state_history (
    id                 INTEGER PRIMARY KEY,
    recipe_id          TEXT NOT NULL,
    recipe_version     INTEGER NOT NULL,
    state              TEXT NOT NULL,
    changed_by         TEXT NOT NULL,
    changed_utc        TEXT NOT NULL,
    signature_audit_id INTEGER,
    formulary_version  INTEGER NOT NULL
);
CREATE TRIGGER recipe_state_history_no_update BEFORE UPDATE ON recipe_state_history
BEGIN SELECT RAISE(ABORT, 'recipe state history is append-only'); END;
CREATE TRIGGER recipe_state_history_no_delete BEFORE DELETE ON recipe_state_history
BEGIN SELECT RAISE(ABORT, 'recipe state history is append-only'); END;
