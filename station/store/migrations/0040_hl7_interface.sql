-- the HL7 interface: inbox of every received message, recipe maps, order links, outbox, and order stops
-- Every message received from the pharmacy system, raw, with the ACK it got: a resend of the same
-- control id from the same sender is answered from here and changes nothing.
CREATE TABLE hl7_inbox (
    id           INTEGER PRIMARY KEY,
    received_utc TEXT NOT NULL,
    sender       TEXT NOT NULL,          -- MSH-3|MSH-4 as written
    control_id   TEXT,                   -- MSH-10; NULL when it could not be read
    message_type TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('accepted', 'refused', 'held')),
    reason       TEXT NOT NULL DEFAULT '',
    placer       TEXT NOT NULL DEFAULT '',
    order_id     INTEGER REFERENCES orders(id),
    raw          BLOB NOT NULL,
    ack          TEXT NOT NULL,
    resolved_utc TEXT,                   -- a held message that entered the queue once mapped
    UNIQUE (sender, control_id)
);
CREATE INDEX hl7_inbox_state ON hl7_inbox(state, received_utc);
CREATE TRIGGER hl7_inbox_no_delete BEFORE DELETE ON hl7_inbox
BEGIN SELECT RAISE(ABORT, 'the HL7 inbox is append-only'); END;

-- Site data: which recipe an order's give code (RXE-2) or additive + base codes (RXC) mean.
-- Codes are stored normalised (an NDC as its 11 digits); base_code '' matches any base.
CREATE TABLE hl7_maps (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('give', 'additive')),
    code       TEXT NOT NULL,
    base_code  TEXT NOT NULL DEFAULT '',
    recipe_id  TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_utc  TEXT NOT NULL,
    UNIQUE (kind, code, base_code)
);

-- The pharmacy system's order (placer number) and the station order that currently carries it,
-- with the RXE as received (sent back in the dispense message).
CREATE TABLE hl7_orders (
    placer      TEXT PRIMARY KEY,
    filler      TEXT NOT NULL DEFAULT '',
    sender      TEXT NOT NULL,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    give_code   TEXT NOT NULL DEFAULT '',
    rxe         TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '2.5',
    details_json TEXT NOT NULL DEFAULT '{}',
    updated_utc TEXT NOT NULL
);
CREATE INDEX hl7_orders_order ON hl7_orders(order_id);

-- A stop put on an order by the prescribing side (changed or discontinued while it was being
-- prepared or awaited its check): the engine refuses the next step and the approval.
CREATE TABLE order_holds (
    order_id   INTEGER PRIMARY KEY REFERENCES orders(id),
    kind       TEXT NOT NULL CHECK (kind IN ('changed', 'discontinued')),
    reason     TEXT NOT NULL,
    at_utc     TEXT NOT NULL
);

-- Dispense messages to the pharmacy system: one per release of a preparation of an HL7 order,
-- queued by the release itself (the trigger below runs in the approving transaction) and sent in
-- order until the receiver answers AA.
CREATE TABLE hl7_outbox (
    id           INTEGER PRIMARY KEY,
    prep_id      INTEGER NOT NULL UNIQUE REFERENCES preparations(id),
    queued_utc   TEXT NOT NULL,
    message      TEXT,                   -- the RDS^O13, written when first built
    control_id   TEXT,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_utc TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    ack          TEXT,
    sent_utc     TEXT
);
CREATE TRIGGER hl7_outbox_on_release AFTER UPDATE OF status ON preparations
WHEN NEW.status = 'released' AND OLD.status <> 'released'
     AND EXISTS (SELECT 1 FROM hl7_orders WHERE order_id = NEW.order_id)
BEGIN
    INSERT OR IGNORE INTO hl7_outbox(prep_id, queued_utc) VALUES (NEW.id, COALESCE(NEW.checked_utc, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
END;
