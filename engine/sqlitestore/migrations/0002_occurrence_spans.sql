-- 0002_occurrence_spans: an occurrence can stand for a span of fire times
-- (a paused period, recorded as one row however long it lasted).
--
-- through_time is the span's last fire time (unix microseconds), NULL for an
-- occurrence of one fire time; fire_count is how many fire times the span
-- stands for, 0 for one fire time. Existing rows are single fire times.
--
-- The migration runs once, in the BEGIN IMMEDIATE transaction that records
-- it in schema_migrations (SQLite has no ADD COLUMN IF NOT EXISTS).

ALTER TABLE occurrences ADD COLUMN through_time INTEGER;
ALTER TABLE occurrences ADD COLUMN fire_count INTEGER NOT NULL DEFAULT 0;

-- ListOccurrences: the spans of a schedule that reach a given instant.
-- Spans are few (one per pause), and so is this index.
CREATE INDEX IF NOT EXISTS occurrences_spans ON occurrences (schedule_id, through_time)
	WHERE through_time IS NOT NULL;
