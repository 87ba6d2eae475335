-- orders, preparations with their steps and evidence, the recall list and the image store index
CREATE TABLE orders (
    id             INTEGER PRIMARY KEY,
    order_number   TEXT NOT NULL UNIQUE,
    patient_name   TEXT NOT NULL,
    patient_mrn    TEXT NOT NULL,
    patient_json   TEXT NOT NULL DEFAULT '{}',
    recipe_id      TEXT NOT NULL,
    dose_json      TEXT NOT NULL DEFAULT '{}',
    route          TEXT NOT NULL,
    final_volume_ml REAL,
    priority       TEXT NOT NULL CHECK (priority IN ('stat', 'urgent', 'routine')),
    due_utc        TEXT NOT NULL,
    prescriber     TEXT NOT NULL,
    entered_by     TEXT NOT NULL,
    created_utc    TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'in_progress', 'awaiting_check', 'released', 'cancelled'))
);
CREATE INDEX orders_queue ON orders(status, priority, due_utc);

-- spec_json is the plan and its steps as fixed when the preparation started: never re-derived, so a
-- later formulary or recipe edit cannot change what was prepared.
CREATE TABLE preparations (
    id             INTEGER PRIMARY KEY,
    prep_number    TEXT NOT NULL UNIQUE,
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    recipe_id      TEXT NOT NULL,
    recipe_version INTEGER NOT NULL,
    spec_json      TEXT NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('in_progress', 'awaiting_check', 'released', 'rejected', 'cancelled')),
    current_step   INTEGER NOT NULL DEFAULT 0,
    technician     TEXT NOT NULL,
    station        TEXT NOT NULL,
    room           TEXT NOT NULL DEFAULT '',
    pec            TEXT NOT NULL DEFAULT '',
    started_utc    TEXT NOT NULL,
    completed_utc  TEXT,
    checked_by     TEXT,
    checked_utc    TEXT,
    check_outcome  TEXT,
    check_reason   TEXT
);
CREATE INDEX preparations_status ON preparations(status, started_utc);
CREATE INDEX preparations_order ON preparations(order_id);

CREATE TABLE prep_steps (
    prep_id     INTEGER NOT NULL REFERENCES preparations(id),
    step_index  INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'active', 'passed', 'overridden')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    result_json TEXT NOT NULL DEFAULT '{}',
    done_utc    TEXT,
    done_by     TEXT,
    PRIMARY KEY (prep_id, step_index)
);

-- Every event at a gate, passed or failed. event_key makes a resubmitted event (a double tap, a
-- retry after a crash) land once.
CREATE TABLE evidence (
    id           INTEGER PRIMARY KEY,
    prep_id      INTEGER NOT NULL REFERENCES preparations(id),
    step_index   INTEGER NOT NULL,
    event_key    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'info')),
    message      TEXT NOT NULL DEFAULT '',
    data_json    TEXT NOT NULL DEFAULT '{}',
    image_sha256 TEXT,
    actor        TEXT NOT NULL,
    at_utc       TEXT NOT NULL,
    UNIQUE (prep_id, event_key)
);
CREATE INDEX evidence_prep ON evidence(prep_id, step_index);
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;

CREATE TABLE recalls (
    id        INTEGER PRIMARY KEY,
    gtin      TEXT NOT NULL,
    lot       TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    added_utc TEXT NOT NULL,
    UNIQUE (gtin, lot)
);

CREATE TABLE images (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    bytes      INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    width      INTEGER,
    height     INTEGER,
    stored_utc TEXT NOT NULL
);
