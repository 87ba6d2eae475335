-- the HL7 waste notice: a preparation rejected with waste (its order closed, not remade) tells the pharmacy system
-- Each outbox row is a dispense (a release: RDS^O13) or a waste notice (a rejection that closed the
-- order: the order cancelled by the station, ORC-1 OC), built when it is first sent.
ALTER TABLE hl7_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'dispense' CHECK (kind IN ('dispense', 'waste'));

-- Queued by the rejection itself (the order goes from awaiting_check to cancelled in the rejecting
-- transaction, whichever process rejects), only where the site enables it (station setting
-- hl7.waste_notice = 1), only for an order still linked to the pharmacy system's placer number and
-- not stopped by it (a discontinued or changed order is known there already).
CREATE TRIGGER hl7_outbox_on_waste AFTER UPDATE OF status ON orders
WHEN NEW.status = 'cancelled' AND OLD.status = 'awaiting_check'
     AND EXISTS (SELECT 1 FROM hl7_orders WHERE order_id = NEW.id)
     AND NOT EXISTS (SELECT 1 FROM order_holds WHERE order_id = NEW.id)
     AND EXISTS (SELECT 1 FROM station_settings WHERE key = 'hl7.waste_notice' AND value = '1')
BEGIN
    INSERT OR IGNORE INTO hl7_outbox(prep_id, queued_utc, kind)
    SELECT id, COALESCE(checked_utc, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), 'waste' FROM preparations
    WHERE order_id = NEW.id AND status = 'rejected' ORDER BY id DESC LIMIT 1;
END;
