-- preparations made on paper during a downtime and entered afterwards by a pharmacist, with the worksheet photo
CREATE TABLE downtime_preparations (
    prep_id          INTEGER PRIMARY KEY REFERENCES preparations(id),
    worksheet_sha256 TEXT NOT NULL REFERENCES images(sha256),
    prepared_utc     TEXT NOT NULL,
    prepared_by      TEXT NOT NULL,
    entered_by       TEXT NOT NULL,
    entered_utc      TEXT NOT NULL,
    details_json     TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER downtime_preparations_no_update BEFORE UPDATE ON downtime_preparations
BEGIN SELECT RAISE(ABORT, 'downtime records are append-only'); END;
CREATE TRIGGER downtime_preparations_no_delete BEFORE DELETE ON downtime_preparations
BEGIN SELECT RAISE(ABORT, 'downtime records cannot be deleted'); END;
