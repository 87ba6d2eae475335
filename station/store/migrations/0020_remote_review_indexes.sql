-- indexes for the remote check server: recent decisions by check time, evidence by image
CREATE INDEX preparations_checked ON preparations(status, checked_utc);
CREATE INDEX evidence_image ON evidence(image_sha256) WHERE image_sha256 IS NOT NULL;
