package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/google/uuid"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/sqlitestore"
)

// holdWriteTurn starts a ClaimDue on s (which must have a due schedule)
// whose decide blocks, so that later writes queue up. Calling the returned
// function lets it finish and waits for it.
func holdWriteTurn(t *testing.T, s *sqlitestore.Store) (release func()) {
	t.Helper()
	inDecide, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := s.ClaimDue(context.Background(), benchT0, 1, func(d engine.Due) engine.Claim {
			close(inDecide)
			<-unblock
			return dispatchDecide(benchT0)(d)
		})
		done <- err
	}()
	<-inDecide
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			t.Errorf("ClaimDue holding the write turn: %v", err)
		}
	}
}

// TestGroupCommitOutcomes lines writes up into one group commit and checks
// that each caller gets its own outcome: a conflict fails only its own
// write, and so does a write that fails in SQLite (which makes the group
// roll back and run its writes one by one).
func TestGroupCommitOutcomes(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	dueSchedules(t, s, "acct", 1)
	existing := testSchedule("acct")
	if err := s.CreateSchedule(t.Context(), existing); err != nil {
		t.Fatal(err)
	}
	release := holdWriteTurn(t, s)

	type write struct {
		name    string
		call    func(ctx context.Context) error
		wantErr error // nil: must succeed
	}
	var writes []write
	var created []string
	for i := range 20 {
		sc := testSchedule("acct")
		created = append(created, sc.ID)
		writes = append(writes, write{name: fmt.Sprintf("create %d", i),
			call: func(ctx context.Context) error { return s.CreateSchedule(ctx, sc) }})
	}
	dup := existing.Clone()
	writes = append(writes, write{name: "create with a taken id", wantErr: engine.ErrConflict,
		call: func(ctx context.Context) error { return s.CreateSchedule(ctx, dup) }})
	bad := &engine.Run{ID: uuid.NewString(), AccountID: "acct", Status: "bogus", ScheduledFor: benchT0, CreatedAt: benchT0}
	writes = append(writes, write{name: "run with a status the schema refuses", wantErr: engine.ErrInvalid,
		call: func(ctx context.Context) error { return s.CreateRun(ctx, bad) }})
	writes = append(writes, write{name: "renew a lease nobody holds", wantErr: engine.ErrLeaseLost,
		call: func(ctx context.Context) error { return s.RenewLease(ctx, bad.ID, "w", benchT0) }})

	errs := make([]chan error, len(writes))
	for i, w := range writes {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- w.call(t.Context()) }()
	}
	for s.PendingWrites() < len(writes) {
		runtime.Gosched()
	}
	release()
	for i, w := range writes {
		err := <-errs[i]
		switch {
		case w.wantErr == nil && err != nil:
			t.Errorf("%s: %v; want success", w.name, err)
		case w.wantErr != nil && !errors.Is(err, w.wantErr):
			t.Errorf("%s: %v; want an error matching %v", w.name, err, w.wantErr)
		}
	}
	for _, id := range created {
		if _, err := s.GetSchedule(t.Context(), "acct", id); err != nil {
			t.Errorf("GetSchedule(%s): %v", id, err)
		}
	}
	if _, err := s.GetRun(t.Context(), "acct", bad.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("GetRun of the refused run = %v; want ErrNotFound", err)
	}
}

// TestNewTakesWriteLockFirst gives New a *sql.DB whose transactions start
// deferred: the store must still hold the write lock from the start of a
// write transaction, so that another process cannot commit between its
// reads and its writes.
func TestNewTakesWriteLockFirst(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlitestore.New(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mustClose(t, s) })
	dueSchedules(t, s, "acct", 1)

	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	var otherErr error
	n, err := s.ClaimDue(t.Context(), benchT0, 1, func(d engine.Due) engine.Claim {
		_, otherErr = other.Exec(`INSERT INTO api_keys VALUES ('h', 'a')`)
		return dispatchDecide(benchT0)(d)
	})
	if err != nil || n != 1 {
		t.Fatalf("ClaimDue = %d, %v; want 1", n, err)
	}
	if otherErr == nil || !strings.Contains(otherErr.Error(), "SQLITE_BUSY") {
		t.Errorf("another connection wrote while ClaimDue ran (err %v); want SQLITE_BUSY", otherErr)
	}
}

// TestErrorsNameTheOperation checks the error text callers and logs see.
func TestErrorsNameTheOperation(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := t.Context()
	_, getErr := s.GetSchedule(ctx, "acct", "nope")
	_, finishErr := s.FinishRun(ctx, "nope", "w", engine.Finish{Status: engine.RunCompleted, FinishedAt: benchT0})
	_, _, listErr := s.ListRuns(ctx, "acct", engine.RunFilter{Page: engine.Page{Cursor: "%%%"}})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"GetSchedule", getErr, "sqlitestore: get schedule nope: not found"},
		{"FinishRun", finishErr, "sqlitestore: finish run nope: run lease lost"},
		{"ListRuns", listErr, "sqlitestore: list runs: invalid cursor: malformed cursor"},
	}
	for _, tc := range tests {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s error = %v; want %q", tc.name, tc.err, tc.want)
		}
	}
}

// TestTimesRoundTripExactly stores instants at the edges of what an
// INTEGER of microseconds holds, and in zones other than UTC.
func TestTimesRoundTripExactly(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), // just after the zero time
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2030, 3, 10, 2, 30, 0, 123456000, ny),
	} {
		sc := testSchedule("acct")
		sc.CreatedAt, sc.NextRunAt, sc.PausedAt = tm, tm, tm
		if err := s.CreateSchedule(t.Context(), sc); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSchedule(t.Context(), "acct", sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]time.Time{"CreatedAt": got.CreatedAt, "NextRunAt": got.NextRunAt, "PausedAt": got.PausedAt} {
			if !v.Equal(tm) || v.Location() != time.UTC {
				t.Errorf("%s: stored %v, got back %v (%v); want the same instant in UTC", name, tm, v, v.Location())
			}
		}
	}
}

// TestClaimDueStopsAtRefusedClaim checks that a claim the store refuses
// stops ClaimDue with the claims before it applied and nothing of it.
func TestClaimDueStopsAtRefusedClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spoil   func(c *engine.Claim)
		wantErr error
	}{
		{"run in no valid status", func(c *engine.Claim) { c.Run.Status = "bogus" }, engine.ErrInvalid},
		{"fire time twice", func(c *engine.Claim) { c.Occurrences = append(c.Occurrences, c.Occurrences[0]) }, engine.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t)
			scheds := dueSchedules(t, s, "acct", 3)
			calls := 0
			n, err := s.ClaimDue(t.Context(), benchT0, 3, func(d engine.Due) engine.Claim {
				calls++
				c := dispatchDecide(benchT0)(d)
				if calls == 2 {
					tc.spoil(&c)
				}
				return c
			})
			if n != 1 || !errors.Is(err, tc.wantErr) {
				t.Fatalf("ClaimDue = %d, %v; want 1 and an error matching %v", n, err, tc.wantErr)
			}
			for i, sc := range scheds {
				got, err := s.GetSchedule(t.Context(), "acct", sc.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantVersion := sc.Version
				if i == 0 {
					wantVersion++
				}
				if got.Version != wantVersion {
					t.Errorf("schedule %d: version %d; want %d", i, got.Version, wantVersion)
				}
			}
			st := snapshot(t, s, "acct")
			if len(st.Runs) != 1 || len(st.Occurrences) != 1 || st.Runs[0].ScheduleID != scheds[0].ID {
				t.Errorf("after the refused claim: %d runs, %d occurrences; want only the first schedule's run and occurrence", len(st.Runs), len(st.Occurrences))
			}
		})
	}
}

// TestClaimDueAcrossStores runs ClaimDue from several stores on one file,
// as several processes would: every due schedule is handled exactly once.
func TestClaimDueAcrossStores(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	const stores, callersPerStore = 3, 3
	schedules := 150
	if raceEnabled {
		schedules = 40
	}
	var all []*sqlitestore.Store
	for range stores {
		s := mustOpen(t, path)
		t.Cleanup(func() { mustClose(t, s) })
		all = append(all, s)
	}
	dueSchedules(t, all[0], "acct", schedules)

	var mu sync.Mutex
	handled := make(map[string]int)
	errs := make(chan error, stores*callersPerStore)
	var wg sync.WaitGroup
	for _, s := range all {
		for c := range callersPerStore {
			wg.Go(func() {
				for {
					n, err := s.ClaimDue(t.Context(), benchT0, 2+c, func(d engine.Due) engine.Claim {
						mu.Lock()
						handled[d.Schedule.ID]++
						mu.Unlock()
						c := dispatchDecide(benchT0)(d)
						c.NextRunAt = benchT0.Add(time.Hour) // no longer due
						return c
					})
					if err != nil || n == 0 {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("ClaimDue: %v", err)
		}
	}
	if len(handled) != schedules {
		t.Errorf("%d schedules handled; want %d", len(handled), schedules)
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("schedule %s handled %d times", id, n)
		}
	}
	if st := snapshot(t, all[1], "acct"); len(st.Runs) != schedules || len(st.Occurrences) != schedules {
		t.Errorf("%d runs and %d occurrences; want %d of each", len(st.Runs), len(st.Occurrences), schedules)
	}
}
