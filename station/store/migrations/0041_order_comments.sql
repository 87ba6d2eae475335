-- order comments: the prescriber's or pharmacy's notes for the technician (HL7 NTE)
ALTER TABLE orders ADD COLUMN comments TEXT NOT NULL DEFAULT '';
