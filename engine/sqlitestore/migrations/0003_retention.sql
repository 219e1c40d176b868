-- 0003_retention: indexes for PruneBefore, so that deleting old history
-- walks the old end of an index instead of scanning the tables.
--
-- runs_ended holds only runs that ended: PruneBefore reads the oldest
-- FinishedAt first. occurrences_last_fire orders occurrences by their last
-- fire time (a span's through_time, else its fire_time); PruneBefore uses
-- the same expression. Both cost one more index entry per write.

CREATE INDEX IF NOT EXISTS runs_ended ON runs (finished_at)
	WHERE status IN ('completed', 'failed');

CREATE INDEX IF NOT EXISTS occurrences_last_fire ON occurrences (coalesce(through_time, fire_time));
