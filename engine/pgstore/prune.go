package pgstore

import (
	"context"
	"time"
)

// PruneBefore implements [engine.Store]: ended runs first, oldest
// FinishedAt first, then occurrences, oldest last fire first, in one
// transaction of at most limit deletions. Rows another transaction holds
// are skipped (FOR UPDATE SKIP LOCKED), so replicas pruning at once delete
// disjoint rows, and a run being requeued is left to the requeue.
func (s *Store) PruneBefore(ctx context.Context, before time.Time, limit int) (n int, err error) {
	const op = "prune"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	tag, err := tx.Exec(ctx, s.q.pruneRuns, before, limit)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	n = int(tag.RowsAffected())
	if n < limit {
		if tag, err = tx.Exec(ctx, s.q.pruneOccurrences, before, limit-n); err != nil {
			return 0, wrapErr(ctx, op, err)
		}
		n += int(tag.RowsAffected())
	}
	if err = tx.Commit(ctx); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	return n, nil
}
