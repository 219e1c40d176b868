package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// faultSetup returns a store on a pool of its own (so that killing its
// connections does not disturb other tests) with n due schedules.
func faultSetup(t *testing.T, n int) (*pgstore.Store, string, []*engine.Schedule) {
	t.Helper()
	schema := newSchema(t)
	st, err := pgstore.New(t.Context(), newPool(t, 2), pgstore.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	var ss []*engine.Schedule
	for i := range n {
		ss = append(ss, testSchedule("acct", t0.Add(time.Duration(i)*time.Second)))
	}
	mustCreate(t, st, ss...)
	return st, schema, ss
}

// checkUntouched fails unless the schedules are as created and no run or
// occurrence exists.
func checkUntouched(t *testing.T, st *pgstore.Store, schema string, ss []*engine.Schedule) {
	t.Helper()
	for _, s := range ss {
		got, err := st.GetSchedule(context.Background(), s.AccountID, s.ID)
		if err != nil {
			t.Fatalf("GetSchedule: %v", err)
		}
		if got.Version != s.Version || !got.NextRunAt.Equal(s.NextRunAt) || !got.LastRunAt.IsZero() {
			t.Errorf("schedule %s changed: version %d, next %v, last %v", s.ID, got.Version, got.NextRunAt, got.LastRunAt)
		}
	}
	if n := count(t, schema, "runs"); n != 0 {
		t.Errorf("%d runs left behind, want 0", n)
	}
	if n := count(t, schema, "occurrences"); n != 0 {
		t.Errorf("%d occurrences left behind, want 0", n)
	}
}

// claimAll claims every due schedule and checks that each got exactly one
// run: the store recovered.
func claimAll(t *testing.T, st *pgstore.Store, schema string, ss []*engine.Schedule) {
	t.Helper()
	now := t0.Add(time.Hour)
	n, err := st.ClaimDue(context.Background(), now, 1000, func(d engine.Due) engine.Claim {
		c := dispatch(now)(d)
		c.NextRunAt = now.Add(time.Hour)
		return c
	})
	if err != nil || n != len(ss) {
		t.Fatalf("ClaimDue after the fault = %d, %v; want %d, nil", n, err, len(ss))
	}
	if got := count(t, schema, "runs"); got != len(ss) {
		t.Errorf("%d runs after recovery, want %d", got, len(ss))
	}
}

// waitFor polls cond (a query against the server) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// backendPID returns the pid of the backend whose current or last query
// mentions both schema and fragment and that is in state, or 0.
func backendPID(t *testing.T, pool *pgxpool.Pool, schema, fragment, state string) int32 {
	t.Helper()
	var pid int32
	err := pool.QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND state = $3 AND strpos(query, $1) > 0 AND strpos(query, $2) > 0
		LIMIT 1`, schema, fragment, state).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0
	}
	if err != nil {
		t.Fatalf("pg_stat_activity: %v", err)
	}
	return pid
}

// A connection terminated by the server while a claim is in its decide
// phase (the schedules locked, nothing written yet) fails that claim with
// a clear error; nothing of it is applied, and the next claim succeeds.
func TestClaimDueConnectionTerminated(t *testing.T) {
	t.Parallel()
	st, schema, ss := faultSetup(t, 10)
	admin := sharedPool(t)

	entered := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	now := t0.Add(time.Minute)
	go func() {
		first := true
		_, err := st.ClaimDue(context.Background(), now, 100, func(d engine.Due) engine.Claim {
			if first {
				first = false
				close(entered)
				<-release
			}
			return dispatch(now)(d)
		})
		done <- err
	}()
	<-entered
	var pid int32
	waitFor(t, "the claim's backend", func() bool {
		pid = backendPID(t, admin, schema, "SKIP LOCKED", "idle in transaction")
		return pid != 0
	})
	var ok bool
	if err := admin.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
	waitFor(t, "the backend to exit", func() bool {
		var n int
		if err := admin.QueryRow(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	close(release)
	err := <-done
	t.Logf("ClaimDue with its connection terminated: %v", err)
	if err == nil {
		t.Fatal("ClaimDue succeeded on a terminated connection")
	}
	if !strings.HasPrefix(err.Error(), "pgstore: claim due: ") {
		t.Errorf("error %q lacks the operation prefix", err)
	}
	if errors.Is(err, engine.ErrConflict) || errors.Is(err, engine.ErrNotFound) {
		t.Errorf("error %v matches an engine sentinel; a lost connection is neither", err)
	}
	checkUntouched(t, st, schema, ss)
	claimAll(t, st, schema, ss)
}

// A context cancelled while a claim holds its transaction open makes the
// claim return an error wrapping context.Canceled and apply nothing.
func TestClaimDueContextCancelled(t *testing.T) {
	t.Parallel()
	st, schema, ss := faultSetup(t, 10)
	ctx, cancel := context.WithCancel(t.Context())
	now := t0.Add(time.Minute)
	calls := 0
	_, err := st.ClaimDue(ctx, now, 100, func(d engine.Due) engine.Claim {
		calls++
		if calls == 3 {
			cancel()
		}
		return dispatch(now)(d)
	})
	t.Logf("ClaimDue cancelled mid-transaction: %v", err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ClaimDue: error %v, want one wrapping context.Canceled", err)
	}
	checkUntouched(t, st, schema, ss)
	claimAll(t, st, schema, ss)
}

// A context cancelled while a statement waits for a row lock ends the
// statement; the update is not applied and the pool stays usable.
func TestUpdateScheduleCancelledWhileBlocked(t *testing.T) {
	t.Parallel()
	st, schema, ss := faultSetup(t, 1)
	s := ss[0]
	admin := sharedPool(t)

	// Another transaction holds the schedule's row.
	locker, err := admin.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Rollback(context.Background())
	if _, err := locker.Exec(t.Context(), "SELECT 1 FROM "+pgx.Identifier{schema, "schedules"}.Sanitize()+" WHERE id = $1 FOR UPDATE", s.ID); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	u := s.Clone()
	u.Cadence = "changed"
	go func() { done <- st.UpdateSchedule(ctx, u) }()
	waitFor(t, "the update to wait for the lock", func() bool {
		return backendPID(t, admin, schema, "UPDATE", "active") != 0
	})
	cancel()
	err = <-done
	t.Logf("UpdateSchedule cancelled while blocked: %v", err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("UpdateSchedule: error %v, want one wrapping context.Canceled", err)
	}
	if err := locker.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkUntouched(t, st, schema, ss)
	if err := st.UpdateSchedule(t.Context(), u); err != nil {
		t.Fatalf("UpdateSchedule after the cancelled one: %v", err)
	}
}
