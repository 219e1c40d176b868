package sqlitestore

import (
	"context"
	"errors"
	"runtime"

	"github.com/nlcron/nlcron/engine"
)

// maxGroup bounds how many writes one group commit holds.
const maxGroup = 256

// groupOp is one write waiting for, or running in, a group commit.
type groupOp struct {
	ctx  context.Context
	fn   func(q querier) error
	err  error
	done chan struct{} // closed when err is final
}

// groupWrite runs fn in a write transaction shared with the other
// groupWrite calls waiting at the same moment (group commit): SQLite spends
// most of a small write's cost on the commit, so concurrent callers, such
// as many requests creating schedules or engine workers finishing runs,
// share one. It returns fn's error, or the transaction's.
//
// fn must fail cleanly: an error matching one of the engine's sentinels
// (ErrConflict, ErrNotFound, ErrLeaseLost, ErrRunNotCompleted, ErrInvalid)
// must mean fn changed nothing. Any other error rolls the whole group back,
// and its writes are then retried one per transaction, so that each caller
// gets its own outcome.
//
// ctx is honoured until the write starts: a call cancelled while queued
// returns ctx's error and writes nothing; once its statements run, they are
// not interrupted (an interrupt would roll back the whole group), and the
// call reports the outcome of the commit.
func (s *Store) groupWrite(ctx context.Context, fn func(q querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &groupOp{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.pmu.Lock()
	s.pending = append(s.pending, op)
	s.pmu.Unlock()
	for {
		select {
		case <-op.done:
			return op.err
		case s.wsem <- struct{}{}:
			s.lead()
			<-s.wsem
		case <-ctx.Done():
			if s.unqueue(op) {
				return ctx.Err()
			}
			<-op.done // a leader took it: its outcome is the commit's
			return op.err
		}
	}
}

// unqueue removes op from the pending writes, reporting whether it was
// still there.
func (s *Store) unqueue(op *groupOp) bool {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	for i, p := range s.pending {
		if p == op {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return true
		}
	}
	return false
}

// lead runs the pending writes, holding the write turn.
func (s *Store) lead() {
	// Let the writers that the previous group just released queue their
	// next write, so that this group is not needlessly small.
	runtime.Gosched()
	s.pmu.Lock()
	n := min(len(s.pending), maxGroup)
	group := make([]*groupOp, n)
	copy(group, s.pending)
	s.pending = append(s.pending[:0], s.pending[n:]...)
	s.pmu.Unlock()
	if n == 0 {
		return
	}
	if !s.runGroup(group) {
		for _, op := range group {
			op.err = nil
			s.runGroup([]*groupOp{op})
		}
	}
	for _, op := range group {
		close(op.done)
	}
}

// runGroup runs group in one transaction and sets each op's err. It
// returns false, having rolled back, if an op of a group of several failed
// uncleanly.
func (s *Store) runGroup(group []*groupOp) bool {
	// The transaction belongs to no single caller: it is not cancelled
	// with any of their contexts.
	ctx := context.Background()
	fail := func(err error) bool {
		for _, op := range group {
			if op.err == nil {
				op.err = err
			}
		}
		return true
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	if s.lockFirst {
		if _, err := (querier{ctx: ctx, tx: tx, c: s.wst}).exec(lockSQL); err != nil {
			_ = tx.Rollback()
			return fail(err)
		}
	}
	ran := 0
	for _, op := range group {
		if err := op.ctx.Err(); err != nil {
			op.err = err
			continue
		}
		op.err = op.fn(querier{ctx: context.WithoutCancel(op.ctx), tx: tx, c: s.wst})
		if op.err != nil && !cleanErr(op.err) {
			_ = tx.Rollback()
			// Alone, op has its outcome; in a group, the others need theirs.
			return len(group) == 1
		}
		ran++
	}
	if ran == 0 {
		_ = tx.Rollback()
		return true
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return true
}

// cleanErr reports whether err is an outcome a groupWrite fn returns only
// when it changed nothing.
func cleanErr(err error) bool {
	for _, target := range []error{engine.ErrConflict, engine.ErrNotFound, engine.ErrLeaseLost,
		engine.ErrRunNotCompleted, engine.ErrInvalid} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
