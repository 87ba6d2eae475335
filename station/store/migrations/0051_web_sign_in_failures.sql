-- failed web sign-ins and e-signatures per account and client address (issue 19)
-- A wrong password from one address locks that account from that address only: the account's own
-- lock (users.failed_attempts, users.locked_until_utc) is the station's, where badge + PIN is used at
-- the hood, so nobody on the network can lock a pharmacist out of the hood or out of the web from
-- their own desk. Rows are cleared by a successful sign-in from the same address.
CREATE TABLE web_auth_failures (
    username         TEXT NOT NULL,
    address          TEXT NOT NULL,
    failures         INTEGER NOT NULL,
    first_utc        TEXT NOT NULL,
    last_utc         TEXT NOT NULL,
    locked_until_utc TEXT,
    PRIMARY KEY (username, address)
);
CREATE INDEX web_auth_failures_by_time ON web_auth_failures (username, last_utc);
