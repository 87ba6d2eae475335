-- users, roles, credentials (Argon2id hashes) and sign-in lockout
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('technician', 'pharmacist', 'quality', 'admin')),
    badge            TEXT UNIQUE,
    pin_hash         TEXT,
    password_hash    TEXT,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until_utc TEXT,
    created_utc      TEXT NOT NULL,
    CHECK (pin_hash IS NOT NULL OR password_hash IS NOT NULL)
);
