-- Initial schema. Applied with search_path set to the store's schema, so
-- names are unqualified here. Ids use the "C" collation so that listings
-- order them bytewise, whatever the database's default collation.

CREATE TABLE schedules (
    id                 text        COLLATE "C" PRIMARY KEY,
    account_id         text        NOT NULL,
    chat_id            text        NOT NULL,
    cadence            text        NOT NULL,
    cron               text        NOT NULL,
    timezone           text        NOT NULL,
    active             boolean     NOT NULL,
    bundle             text        NOT NULL,
    toolhouse_id       text        NOT NULL,
    vars               jsonb,                  -- NULL: no vars (nil map)
    callback_url       text        NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_run_at        timestamptz,            -- NULL: zero time
    next_run_at        timestamptz,            -- NULL: paused or never fires again
    last_dispatched_at timestamptz,
    paused_at          timestamptz,
    version            bigint      NOT NULL
);

-- The claim query (active AND next_run_at <= $now ORDER BY next_run_at
-- LIMIT $n) and NextDue read this index from its low end: O(log n).
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE active;
-- Newest-first listing per account.
CREATE INDEX schedules_account_idx ON schedules (account_id, created_at DESC, id DESC);

CREATE TABLE runs (
    id                 text        COLLATE "C" PRIMARY KEY,
    account_id         text        NOT NULL,
    chat_id            text        NOT NULL,
    schedule_id        text        COLLATE "C",  -- NULL: one-off agent run
    status             text        NOT NULL
        CHECK (status IN ('queued', 'in_progress', 'completed', 'failed')),
    results            jsonb,                  -- NULL: nil transcript
    error              text        NOT NULL,
    last_agent_message text        NOT NULL,
    bundle             text        NOT NULL,
    toolhouse_id       text        NOT NULL,
    vars               jsonb,
    callback_url       text        NOT NULL,
    scheduled_for      timestamptz NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    started_at         timestamptz,
    finished_at        timestamptz,
    attempt            integer     NOT NULL,
    lease_owner        text        NOT NULL,
    lease_expires_at   timestamptz,
    -- The exactly-once promise: one run per (schedule, fire time).
    CONSTRAINT runs_schedule_fire_key UNIQUE (schedule_id, scheduled_for)
);

-- No index on runs is partial. A partial index whose predicate another
-- query's WHERE implies (status = 'queued' implies status IN ('queued',
-- 'in_progress')) looks free to the planner while its statistics say it is
-- empty, which they do right after a burst of new runs: it then reads the
-- whole index with a filter and sorts, instead of walking the right index.

-- AcquireRuns: queued runs, oldest first (an ordered walk of the prefix
-- status = 'queued'). ExpireLeases walks the prefix 'in_progress', which
-- holds only the runs being executed.
CREATE INDEX runs_status_idx ON runs (status, scheduled_for, created_at, id);
-- ClaimDue's "does the schedule have a queued or in-progress run": two
-- equality probes.
CREATE INDEX runs_schedule_status_idx ON runs (schedule_id, status);
-- Newest-first listing per account (a schedule's runs are filtered, or
-- read through runs_schedule_fire_key and sorted).
CREATE INDEX runs_account_idx ON runs (account_id, created_at DESC, id DESC);

CREATE TABLE occurrences (
    schedule_id text        COLLATE "C" NOT NULL,
    fire_time   timestamptz NOT NULL,
    account_id  text        NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('dispatched', 'skipped')),
    reason      text        NOT NULL,
    run_id      text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (schedule_id, fire_time)
);

CREATE TABLE api_keys (
    hash       text PRIMARY KEY,
    account_id text NOT NULL
);
