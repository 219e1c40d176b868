-- 0004_idempotency: the demo server's Idempotency-Key records, kept in the
-- same database as the schedules so that a retried POST replays the first
-- answer after a restart, and from any process sharing the file.
--
-- key is a hash the server makes of the account, route and client key.
-- status is 0 while the first request is in progress (a reservation whose
-- expires_at is the end of a short lease, so that a process that died
-- mid-request does not hold the key for ever), then the answer's HTTP
-- status, with header (JSON object of string arrays) and body, replayed
-- until expires_at. Times are unix microseconds.

CREATE TABLE IF NOT EXISTS idempotency_keys (
	key         TEXT    NOT NULL PRIMARY KEY,
	fingerprint BLOB    NOT NULL,
	token       TEXT    NOT NULL,
	expires_at  INTEGER NOT NULL,
	status      INTEGER NOT NULL,
	header      TEXT,
	body        BLOB
) STRICT;

-- ReserveIdempotencyKey deletes a few expired records per call, oldest
-- first, through this index.
CREATE INDEX IF NOT EXISTS idempotency_keys_expires ON idempotency_keys (expires_at);
