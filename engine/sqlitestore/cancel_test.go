package sqlitestore_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/engine"
)

// dueSchedules creates n schedules of account, all due at benchT0.
func dueSchedules(tb testing.TB, s engine.Store, account string, n int) []*engine.Schedule {
	tb.Helper()
	out := make([]*engine.Schedule, n)
	for i := range out {
		out[i] = benchSchedule(account, benchT0.Add(-time.Duration(n-i)*time.Minute))
		if err := s.CreateSchedule(tb.Context(), out[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// state is everything the store holds for account's schedules.
type state struct {
	Schedules   []*engine.Schedule
	Runs        []*engine.Run
	Occurrences []engine.Occurrence
}

func snapshot(tb testing.TB, s engine.Store, account string) state {
	tb.Helper()
	ctx := context.Background()
	var st state
	var err error
	if st.Schedules, _, err = s.ListSchedules(ctx, account, engine.Page{Limit: engine.MaxPageLimit}); err != nil {
		tb.Fatal(err)
	}
	if st.Runs, _, err = s.ListRuns(ctx, account, engine.RunFilter{Page: engine.Page{Limit: engine.MaxPageLimit}}); err != nil {
		tb.Fatal(err)
	}
	for _, sc := range st.Schedules {
		occ, err := s.ListOccurrences(ctx, account, sc.ID, benchT0.AddDate(-1, 0, 0), benchT0.AddDate(1, 0, 0), 0)
		if err != nil {
			tb.Fatal(err)
		}
		st.Occurrences = append(st.Occurrences, occ...)
	}
	return st
}

// TestCancelMidClaim cancels ClaimDue's context from inside decide, after
// some claims were applied within its transaction: none of them may stay.
func TestCancelMidClaim(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	dueSchedules(t, s, "acct", 10)
	before := snapshot(t, s, "acct")

	ctx, cancel := context.WithCancel(t.Context())
	decided := 0
	decide := func(d engine.Due) engine.Claim {
		decided++
		if decided == 5 {
			cancel()
		}
		return dispatchDecide(benchT0)(d)
	}
	n, err := s.ClaimDue(ctx, benchT0, 10, decide)
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("ClaimDue cancelled mid-way = %d, %v; want 0 and an error matching context.Canceled", n, err)
	}
	if decided < 5 {
		t.Fatalf("decide called %d times; the test needs it to run until the cancel", decided)
	}
	if diff := cmp.Diff(before, snapshot(t, s, "acct")); diff != "" {
		t.Fatalf("a cancelled ClaimDue changed the data (-before +after):\n%s", diff)
	}

	// The store is still usable: its connection was not left inside the
	// aborted transaction.
	n, err = s.ClaimDue(t.Context(), benchT0, 10, dispatchDecide(benchT0))
	if err != nil || n != 10 {
		t.Fatalf("ClaimDue after the cancelled one = %d, %v; want 10", n, err)
	}
	if got := snapshot(t, s, "acct"); len(got.Runs) != 10 || len(got.Occurrences) != 10 {
		t.Errorf("after claiming: %d runs, %d occurrences; want 10 and 10", len(got.Runs), len(got.Occurrences))
	}
}

// TestCancelWhileWaitingForWriteTurn queues writes behind a ClaimDue that
// holds the write turn, and cancels them: they return at once, and write
// nothing.
func TestCancelWhileWaitingForWriteTurn(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	dueSchedules(t, s, "acct", 1)

	inDecide, release := make(chan struct{}), make(chan struct{})
	claimDone := make(chan error)
	go func() {
		_, err := s.ClaimDue(t.Context(), benchT0, 1, func(d engine.Due) engine.Claim {
			close(inDecide)
			<-release
			return dispatchDecide(benchT0)(d)
		})
		claimDone <- err
	}()
	<-inDecide

	waiting := benchSchedule("acct", benchT0)
	ctx, cancel := context.WithCancel(t.Context())
	writes := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CreateSchedule", func(ctx context.Context) error { return s.CreateSchedule(ctx, waiting) }},
		{"ClaimDue", func(ctx context.Context) error {
			_, err := s.ClaimDue(ctx, benchT0, 1, dispatchDecide(benchT0))
			return err
		}},
		{"PutKey", func(ctx context.Context) error { return s.PutKey(ctx, "hash", "acct") }},
	}
	errs := make(chan error, len(writes))
	for _, w := range writes {
		go func() { errs <- w.call(ctx) }()
	}
	for s.PendingWrites() < 2 { // CreateSchedule and PutKey are queued
		runtime.Gosched()
	}
	cancel()
	for range writes {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("write cancelled while waiting = %v; want an error matching context.Canceled", err)
		}
	}
	close(release)
	if err := <-claimDone; err != nil {
		t.Fatalf("the ClaimDue holding the write turn: %v", err)
	}
	if _, err := s.GetSchedule(t.Context(), "acct", waiting.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("GetSchedule of the cancelled create = %v; want ErrNotFound", err)
	}
	if n, err := s.CountKeys(t.Context()); err != nil || n != 0 {
		t.Errorf("CountKeys after the cancelled PutKey = %d, %v; want 0", n, err)
	}
}

// TestCancelWhileAnotherProcessWrites holds the write lock from another
// connection, as another process would, so that the store waits in
// SQLite's busy handler: a context deadline still ends the wait with an
// error matching it, long before the busy timeout.
func TestCancelWhileAnotherProcessWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	s := mustOpen(t, path)
	t.Cleanup(func() { mustClose(t, s) })
	dueSchedules(t, s, "acct", 1)
	before := snapshot(t, s, "acct")

	other := rawDB(t, path)
	tx, err := other.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE schedules SET version = version WHERE 0`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.ClaimDue(ctx, benchT0, 1, dispatchDecide(benchT0))
	waited := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ClaimDue while another connection writes = %v; want an error matching context.DeadlineExceeded", err)
	}
	// The busy timeout is 10 s; the deadline must cut the wait short.
	if waited > 5*time.Second {
		t.Errorf("ClaimDue returned after %v; the deadline was 200ms", waited)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot(t, s, "acct")); diff != "" {
		t.Fatalf("the timed-out ClaimDue changed the data (-before +after):\n%s", diff)
	}
	if n, err := s.ClaimDue(t.Context(), benchT0, 1, dispatchDecide(benchT0)); err != nil || n != 1 {
		t.Fatalf("ClaimDue after the other writer left = %d, %v; want 1", n, err)
	}
}
