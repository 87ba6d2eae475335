-- recalls: where a recall notice came from, its date, the NDC as written, and removal
ALTER TABLE recalls ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE recalls ADD COLUMN notice_date TEXT NOT NULL DEFAULT '';
ALTER TABLE recalls ADD COLUMN ndc TEXT NOT NULL DEFAULT '';
-- orders entered by hand carry the prescriber's or pharmacy system's own id: unique when given
ALTER TABLE orders ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX orders_external_id ON orders(external_id) WHERE external_id IS NOT NULL;
ALTER TABLE orders ADD COLUMN cancel_reason TEXT;
