package sqlitestore

import (
	"context"
	"time"
)

// The PruneBefore statements: each deletes up to ?2 records, found by
// walking the old end of its index (migration 0003).
const (
	pruneRunsSQL = `DELETE FROM runs WHERE id IN (SELECT id FROM runs
		WHERE status IN ('completed', 'failed') AND finished_at < ?1 ORDER BY finished_at LIMIT ?2)`
	pruneOccurrencesSQL = `DELETE FROM occurrences WHERE (schedule_id, fire_time) IN (
		SELECT schedule_id, fire_time FROM occurrences
		WHERE coalesce(through_time, fire_time) < ?1 ORDER BY coalesce(through_time, fire_time) LIMIT ?2)`
)

// PruneBefore implements [engine.Store]: ended runs first, oldest
// FinishedAt first, then occurrences, oldest last fire first, in one write
// transaction (so at most limit rows are deleted per transaction).
func (s *Store) PruneBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, wrapErr(ctx, "prune", ctx.Err())
	}
	n := 0
	err := s.writeTx(ctx, func(q querier) error {
		n = 0
		cut := micros(before)
		runs, err := q.execCount(pruneRunsSQL, cut, limit)
		if err != nil {
			return err
		}
		n = int(runs)
		if n == limit {
			return nil
		}
		occ, err := q.execCount(pruneOccurrencesSQL, cut, limit-n)
		if err != nil {
			return err
		}
		n += int(occ)
		return nil
	})
	if err != nil {
		return 0, wrapErr(ctx, "prune", err)
	}
	return n, nil
}
