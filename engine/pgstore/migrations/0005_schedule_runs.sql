-- ListRuns for one schedule, newest first, in pages. runs_schedule_status_idx
-- (schedule_id, status) gains the listing order: the page of one schedule
-- and status is an ordered walk that stops at the page, and the page of one
-- schedule is a merge of one such walk per status (ListRuns writes the
-- query that way), however long the schedule's history. ClaimDue's probes
-- (schedule_id = $1 AND status = 'queued', then 'in_progress') read the
-- same prefix as before. An index led by schedule_id alone would not do:
-- the planner then probes it with a filter on status, reading all of a
-- schedule's runs on every claim. Building the index blocks writes to runs
-- until it is built (migrations run in a transaction, so not
-- CONCURRENTLY). Idempotent.

CREATE INDEX IF NOT EXISTS runs_schedule_status_created_idx
    ON runs (schedule_id, status, created_at DESC, id DESC);
DROP INDEX IF EXISTS runs_schedule_status_idx;
