-- 0001_init: schedules, their occurrences, runs and API keys.
--
-- Times are INTEGER unix microseconds (UTC). A nullable time column holds
-- NULL for the zero time.Time. vars and results are JSON text; NULL is a nil
-- map or slice, '{}' and '[]' are empty ones.

CREATE TABLE schedules (
	id                 TEXT    NOT NULL PRIMARY KEY,
	account_id         TEXT    NOT NULL,
	chat_id            TEXT    NOT NULL,
	cadence            TEXT    NOT NULL,
	cron               TEXT    NOT NULL,
	timezone           TEXT    NOT NULL,
	active             INTEGER NOT NULL CHECK (active IN (0, 1)),
	bundle             TEXT    NOT NULL,
	toolhouse_id       TEXT    NOT NULL,
	vars               TEXT,
	callback_url       TEXT    NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER,
	last_run_at        INTEGER,
	next_run_at        INTEGER,
	last_dispatched_at INTEGER,
	paused_at          INTEGER,
	version            INTEGER NOT NULL
) STRICT;

-- ClaimDue and NextDue: only due-able schedules are in this index, in the
-- order ClaimDue takes them.
CREATE INDEX schedules_due ON schedules (next_run_at, id)
	WHERE active = 1 AND next_run_at IS NOT NULL;

-- ListSchedules: newest first per account.
CREATE INDEX schedules_account_created ON schedules (account_id, created_at DESC, id DESC);

CREATE TABLE occurrences (
	schedule_id TEXT    NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
	fire_time   INTEGER NOT NULL,
	account_id  TEXT    NOT NULL,
	outcome     TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	run_id      TEXT    NOT NULL,
	recorded_at INTEGER,
	PRIMARY KEY (schedule_id, fire_time)
) STRICT, WITHOUT ROWID;

CREATE TABLE runs (
	id                 TEXT    NOT NULL PRIMARY KEY,
	account_id         TEXT    NOT NULL,
	chat_id            TEXT    NOT NULL,
	schedule_id        TEXT,   -- NULL for one-off agent runs
	status             TEXT    NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed', 'failed')),
	results            TEXT,
	error              TEXT    NOT NULL,
	last_agent_message TEXT    NOT NULL,
	bundle             TEXT    NOT NULL,
	toolhouse_id       TEXT    NOT NULL,
	vars               TEXT,
	callback_url       TEXT    NOT NULL,
	scheduled_for      INTEGER NOT NULL,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER,
	started_at         INTEGER,
	finished_at        INTEGER,
	attempt            INTEGER NOT NULL,
	lease_owner        TEXT    NOT NULL,
	lease_expires_at   INTEGER
) STRICT;

-- The exactly-once promise: one run per (schedule, fire time).
CREATE UNIQUE INDEX runs_schedule_fire ON runs (schedule_id, scheduled_for)
	WHERE schedule_id IS NOT NULL;

-- ClaimDue's overlap check: does the schedule have a run not yet ended?
CREATE INDEX runs_schedule_active ON runs (schedule_id)
	WHERE schedule_id IS NOT NULL AND status IN ('queued', 'in_progress');

-- AcquireRuns: queued runs, oldest scheduled_for first.
CREATE INDEX runs_queued ON runs (scheduled_for, created_at, id)
	WHERE status = 'queued';

-- ExpireLeases: in-progress runs by lease expiry.
CREATE INDEX runs_leases ON runs (lease_expires_at)
	WHERE status = 'in_progress';

-- ListRuns: newest first per account, and per schedule.
CREATE INDEX runs_account_created ON runs (account_id, created_at DESC, id DESC);
CREATE INDEX runs_schedule_created ON runs (schedule_id, created_at DESC, id DESC)
	WHERE schedule_id IS NOT NULL;

CREATE TABLE api_keys (
	hash       TEXT NOT NULL PRIMARY KEY,
	account_id TEXT NOT NULL
) STRICT, WITHOUT ROWID;
