-- The demo server's Idempotency-Key records, kept in the same database as
-- the schedules so that a POST retried against another replica, or after a
-- restart, replays the first answer instead of creating a second resource.
--
-- key is a hash the server makes of the account, route and client key.
-- status is 0 while the first request is in progress: a reservation whose
-- expires_at is the end of a short lease, so that a replica that died
-- mid-request does not hold the key for ever. Then it is the answer's HTTP
-- status, with header (a JSON object of string arrays) and body, replayed
-- until expires_at. Idempotent.

CREATE TABLE IF NOT EXISTS idempotency_keys (
    key         text        COLLATE "C" PRIMARY KEY,
    fingerprint bytea       NOT NULL,
    token       text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    status      integer     NOT NULL,
    header      jsonb,
    body        bytea
);

-- ReserveIdempotencyKey deletes a few expired records per call, oldest
-- first, through this index.
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON idempotency_keys (expires_at);
