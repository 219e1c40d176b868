-- An occurrence can stand for a span of fire times: a paused period is
-- recorded as one row, however long it lasted. through_time is the span's
-- last fire time (NULL for an occurrence of one fire time) and fire_count
-- how many fire times it stands for (0 for one fire time). Existing rows
-- are single fire times. Idempotent: applying it twice changes nothing.

ALTER TABLE occurrences ADD COLUMN IF NOT EXISTS through_time timestamptz;
ALTER TABLE occurrences ADD COLUMN IF NOT EXISTS fire_count bigint NOT NULL DEFAULT 0;

-- ListOccurrences: the spans of a schedule that reach a given instant.
-- Spans are few (one per pause), and so is this index.
CREATE INDEX IF NOT EXISTS occurrences_spans_idx ON occurrences (schedule_id, through_time)
    WHERE through_time IS NOT NULL;
