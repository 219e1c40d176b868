-- Indexes for PruneBefore, so that deleting old history walks the old end
-- of an index instead of scanning the tables. runs_finished_idx is not
-- partial, like every index on runs (see 0001); active runs have a NULL
-- finished_at, which sorts after every time. occurrences_last_fire_idx
-- orders occurrences by their last fire time (a span's through_time, else
-- its fire_time), the expression PruneBefore uses. Idempotent.

CREATE INDEX IF NOT EXISTS runs_finished_idx ON runs (finished_at);
CREATE INDEX IF NOT EXISTS occurrences_last_fire_idx ON occurrences ((coalesce(through_time, fire_time)));
