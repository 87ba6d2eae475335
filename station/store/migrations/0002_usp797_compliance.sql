-- USP <797>/<800> compliance: site policy, rooms, PECs, monitoring, excursions, cleaning, garbing, qualifications, gate decisions
-- Site policy values (every limit the engine applies). Seeded from assets/policy/usp797_defaults.toml
-- on first use; changed only by the QA role, each change audited with old and new value.
CREATE TABLE policy_values (
    key         TEXT PRIMARY KEY,
    value       REAL NOT NULL,
    updated_utc TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- People are the station's users (users.username, added by a later migration): person columns below
-- hold the username, checked by the repository, not by a foreign key across migration blocks.

CREATE TABLE rooms (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    iso_class      INTEGER NOT NULL CHECK (iso_class IN (0, 5, 7, 8)),
    pressure       TEXT NOT NULL CHECK (pressure IN ('positive', 'negative', 'none')),
    hazardous      INTEGER NOT NULL CHECK (hazardous IN (0, 1)),
    certified_date TEXT
);

CREATE TABLE pecs (
    code           TEXT PRIMARY KEY,
    room           TEXT NOT NULL REFERENCES rooms(code),
    type           TEXT NOT NULL CHECK (type IN ('lafw', 'bsc', 'cai', 'caci')),
    categories     TEXT NOT NULL,
    hazardous      INTEGER NOT NULL CHECK (hazardous IN (0, 1)),
    certified_date TEXT
);

-- Monitoring results as recorded, with their evaluation at the time (measured value, unit, limit).
-- Immutable: a wrong entry is corrected by a new one with a note, never edited.
CREATE TABLE em_samples (
    id            INTEGER PRIMARY KEY,
    at_utc        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    room          TEXT NOT NULL REFERENCES rooms(code),
    location      TEXT NOT NULL,
    value         REAL NOT NULL,
    litres        REAL,
    measured      REAL NOT NULL,
    unit          TEXT NOT NULL,
    limit_text    TEXT NOT NULL,
    excursion     INTEGER NOT NULL CHECK (excursion IN (0, 1)),
    person        TEXT NOT NULL,
    device_or_lot TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    recorded_utc  TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX em_samples_unique ON em_samples(at_utc, kind, room, location);
CREATE INDEX em_samples_room_kind_at ON em_samples(room, kind, at_utc);
CREATE TRIGGER em_samples_no_update BEFORE UPDATE ON em_samples
BEGIN SELECT RAISE(ABORT, 'monitoring results are immutable; record a correction instead'); END;
CREATE TRIGGER em_samples_no_delete BEFORE DELETE ON em_samples
BEGIN SELECT RAISE(ABORT, 'monitoring results are immutable'); END;

-- One corrective-action record per excursion; closed only by QA with an e-signature, then frozen.
CREATE TABLE corrective_actions (
    id                INTEGER PRIMARY KEY,
    sample_id         INTEGER NOT NULL UNIQUE REFERENCES em_samples(id),
    room              TEXT NOT NULL REFERENCES rooms(code),
    opened_utc        TEXT NOT NULL,
    microbial         INTEGER NOT NULL,
    genus_required    INTEGER NOT NULL,
    blocks_room       INTEGER NOT NULL,
    investigation     TEXT,
    genus             TEXT,
    remediation       TEXT,
    resample_id       INTEGER REFERENCES em_samples(id),
    closed_utc        TEXT,
    closed_by         TEXT,
    signature_meaning TEXT,
    signature_reason  TEXT,
    signature_method  TEXT
);
CREATE INDEX corrective_actions_open ON corrective_actions(room) WHERE closed_utc IS NULL;
CREATE TRIGGER corrective_actions_frozen BEFORE UPDATE ON corrective_actions WHEN OLD.closed_utc IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed corrective action cannot be changed'); END;
CREATE TRIGGER corrective_actions_no_delete BEFORE DELETE ON corrective_actions
BEGIN SELECT RAISE(ABORT, 'corrective actions cannot be deleted'); END;

CREATE TABLE cleaning_log (
    id           INTEGER PRIMARY KEY,
    at_utc       TEXT NOT NULL,
    area         TEXT NOT NULL,
    task         TEXT NOT NULL CHECK (task IN ('daily', 'monthly', 'sporicidal')),
    actions      TEXT NOT NULL,
    agent        TEXT NOT NULL,
    lot          TEXT NOT NULL,
    person       TEXT NOT NULL,
    recorded_utc TEXT NOT NULL
);
CREATE INDEX cleaning_log_area_task_at ON cleaning_log(area, task, at_utc);

CREATE TABLE garbing_sessions (
    id          INTEGER PRIMARY KEY,
    person      TEXT NOT NULL,
    room        TEXT NOT NULL REFERENCES rooms(code),
    hazardous   INTEGER NOT NULL,
    started_utc TEXT NOT NULL,
    ended_utc   TEXT
);
CREATE INDEX garbing_sessions_person ON garbing_sessions(person, started_utc);

CREATE TABLE garbing_events (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES garbing_sessions(id),
    at_utc     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('step', 'glove_change', 'gown_change')),
    step       TEXT NOT NULL DEFAULT '',
    seconds    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX garbing_events_session ON garbing_events(session_id, id);

CREATE TABLE qualification_events (
    id           INTEGER PRIMARY KEY,
    person       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    date         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('cat12', 'cat3')),
    cfu          INTEGER,
    passed       INTEGER NOT NULL CHECK (passed IN (0, 1)),
    notes        TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    recorded_utc TEXT NOT NULL
);
CREATE INDEX qualification_events_person ON qualification_events(person, kind, date);

-- Every gate question and its answer (reasons as JSON); an override fills the override columns once.
CREATE TABLE gate_decisions (
    id              INTEGER PRIMARY KEY,
    at_utc          TEXT NOT NULL,
    person          TEXT NOT NULL,
    pec             TEXT NOT NULL,
    category        TEXT NOT NULL,
    allowed         INTEGER NOT NULL,
    reasons         TEXT NOT NULL,
    overridden_by   TEXT,
    override_reason TEXT,
    overridden_utc  TEXT
);
CREATE TRIGGER gate_decisions_override_once BEFORE UPDATE ON gate_decisions WHEN OLD.overridden_by IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a gate decision is overridden at most once'); END;
