package engine

import (
	"context"
	"log/slog"
	"time"
)

// PruneBatch is how many records one [Store.PruneBefore] call of the
// pruning pass deletes at most: each call is one bounded transaction, so a
// large backlog (retention just turned on) never holds the store for long.
const PruneBatch = 1000

// PruneInterval returns how often an engine with the given
// [Config.Retention] prunes: a tenth of the retention, at most an hour
// and at least a minute. So history is deleted at most about 10% (or an
// hour) later than its retention says, and a short retention does not
// make the engine prune more than once a minute.
func PruneInterval(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Minute), time.Hour)
}

// pruneLoop deletes history older than Retention when Run starts and then
// every PruneInterval, until ctx ends. Replicas sharing a store may all
// prune: the store deletes each record once.
func (e *Engine) pruneLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		e.prune(ctx)
		timer.Reset(PruneInterval(e.cfg.Retention))
	}
}

// prune is one pruning pass: batches of PruneBatch until a batch deletes
// fewer, so it ends even while new history keeps ageing past the cutoff
// (which is fixed for the pass). It logs one record with the count, and
// one for an error; the next pass retries.
func (e *Engine) prune(ctx context.Context) {
	before := e.now().Add(-e.cfg.Retention)
	began := time.Now()
	total := 0
	var err error
	for ctx.Err() == nil {
		var n int
		n, err = e.store.PruneBefore(ctx, before, PruneBatch)
		total += max(n, 0)
		if err != nil || n < PruneBatch {
			break
		}
	}
	if total > 0 {
		if po, ok := e.obs.(PruneObserver); ok {
			po.Pruned(total)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.LogAttrs(ctx, slog.LevelError, "pruning history failed; retrying at the next pass",
				slog.Any("error", err), slog.Int("deleted", total), slog.Duration("retry_in", PruneInterval(e.cfg.Retention)))
		}
		return
	}
	level := slog.LevelInfo
	if total == 0 {
		level = slog.LevelDebug
	}
	e.log.LogAttrs(ctx, level, "history pruned",
		slog.Int("deleted", total), slog.Time("before", before), slog.Duration("took", time.Since(began)))
}
