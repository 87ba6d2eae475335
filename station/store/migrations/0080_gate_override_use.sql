-- The station's room and the USP <800> flag of each gate question, so that an override recorded for
-- one decision (at the station, by the CLI or the web) is matched only to a start asking the same
-- question; and the use of each override: one override lets one preparation start.
ALTER TABLE gate_decisions ADD COLUMN room TEXT NOT NULL DEFAULT '';
ALTER TABLE gate_decisions ADD COLUMN hazardous INTEGER NOT NULL DEFAULT 0;
CREATE TABLE gate_override_uses (
    decision_id INTEGER PRIMARY KEY REFERENCES gate_decisions(id),
    used_for    TEXT NOT NULL,
    used_utc    TEXT NOT NULL
);
