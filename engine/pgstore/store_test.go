package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// t0 is the reference instant of these tests: UTC, with microseconds.
var t0 = time.Date(2030, time.March, 9, 1, 2, 3, 456789000, time.UTC)

func testSchedule(account string, next time.Time) *engine.Schedule {
	return &engine.Schedule{
		ID:          uuid.NewString(),
		AccountID:   account,
		ChatID:      "chat-1",
		Cadence:     "every 10 minutes",
		Cron:        "*/10 * * * *",
		Timezone:    "UTC",
		Active:      true,
		Bundle:      "default",
		ToolhouseID: "default",
		CreatedAt:   t0,
		UpdatedAt:   t0,
		NextRunAt:   next,
		Version:     1,
	}
}

// dispatch is a decide function that runs every due schedule once and
// moves it 10 minutes on.
func dispatch(now time.Time) func(engine.Due) engine.Claim {
	return func(d engine.Due) engine.Claim {
		s := d.Schedule
		run := &engine.Run{
			ID: uuid.NewString(), AccountID: s.AccountID, ChatID: s.ChatID, ScheduleID: s.ID,
			Status: engine.RunQueued, Bundle: s.Bundle, ToolhouseID: s.ToolhouseID,
			Vars: map[string]string{"fire": s.NextRunAt.Format(time.RFC3339)}, Results: []engine.Message{},
			ScheduledFor: s.NextRunAt, CreatedAt: now, UpdatedAt: now,
		}
		return engine.Claim{
			Occurrences: []engine.Occurrence{{
				ScheduleID: s.ID, AccountID: s.AccountID, FireTime: s.NextRunAt,
				Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: now,
			}},
			Run:              run,
			NextRunAt:        s.NextRunAt.Add(10 * time.Minute),
			LastRunAt:        s.NextRunAt,
			LastDispatchedAt: now,
		}
	}
}

func mustCreate(tb testing.TB, st *pgstore.Store, ss ...*engine.Schedule) {
	tb.Helper()
	for _, s := range ss {
		if err := st.CreateSchedule(context.Background(), s); err != nil {
			tb.Fatalf("CreateSchedule: %v", err)
		}
	}
}

// count returns the number of rows of table in schema.
func count(tb testing.TB, schema, table string) int {
	tb.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %q.%q", schema, table)
	if err := sharedPool(tb).QueryRow(context.Background(), q).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// Several replicas starting at once apply each migration exactly once, and
// opening again changes nothing.
func TestNewConcurrentMigrations(t *testing.T) {
	t.Parallel()
	pool := sharedPool(t)
	schema := newSchema(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = pgstore.New(t.Context(), pool, pgstore.WithSchema(schema))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent New: %v", err)
	}
	if _, err := pgstore.New(t.Context(), pool, pgstore.WithSchema(schema)); err != nil {
		t.Fatalf("New again: %v", err)
	}
	var versions []int32
	rows, err := pool.Query(t.Context(), fmt.Sprintf("SELECT version FROM %q.schema_migrations ORDER BY version", schema))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int32
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int32{1, 2, 3, 4, 5}, versions); d != "" {
		t.Errorf("schema_migrations mismatch (-want +got):\n%s", d)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	schema := newSchema(t)
	st, err := pgstore.Open(t.Context(), testURL(t), pgstore.WithSchema(schema))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	s := testSchedule("acct", t0)
	mustCreate(t, st, s)
	got, err := st.GetSchedule(t.Context(), "acct", s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got); d != "" {
		t.Errorf("GetSchedule mismatch (-want +got):\n%s", d)
	}

	if _, err := pgstore.Open(t.Context(), "postgres://%zz"); err == nil {
		t.Error("Open(malformed URL) succeeded")
	}
}

// The claim writes run, occurrence and schedule in one step, and a claim
// repeating a fire already recorded stops the call there.
func TestClaimDueWritesAtomically(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := t.Context()
	var ss []*engine.Schedule
	for i := range 5 {
		s := testSchedule("acct", t0.Add(time.Duration(i)*time.Second))
		ss = append(ss, s)
	}
	mustCreate(t, st, ss...)

	now := t0.Add(time.Minute)
	n, err := st.ClaimDue(ctx, now, 100, dispatch(now))
	if err != nil || n != 5 {
		t.Fatalf("ClaimDue = %d, %v; want 5, nil", n, err)
	}
	for _, s := range ss {
		got, err := st.GetSchedule(ctx, "acct", s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.NextRunAt.Equal(s.NextRunAt.Add(10*time.Minute)) || got.Version != 2 || !got.LastRunAt.Equal(s.NextRunAt) {
			t.Errorf("schedule after claim: next %v, last %v, version %d", got.NextRunAt, got.LastRunAt, got.Version)
		}
		runs, _, err := st.ListRuns(ctx, "acct", engine.RunFilter{ScheduleID: s.ID})
		if err != nil || len(runs) != 1 {
			t.Fatalf("ListRuns = %d, %v; want 1 run", len(runs), err)
		}
		want := dispatch(now)(engine.Due{Schedule: s}).Run
		want.ID = runs[0].ID
		if d := cmp.Diff(want, runs[0]); d != "" {
			t.Errorf("claimed run mismatch (-want +got):\n%s", d)
		}
		occ, err := st.ListOccurrences(ctx, "acct", s.ID, t0.Add(-time.Hour), t0.Add(time.Hour), 0)
		if err != nil || len(occ) != 1 || occ[0].RunID != runs[0].ID {
			t.Fatalf("ListOccurrences = %+v, %v; want one naming run %s", occ, err, runs[0].ID)
		}
	}

	// Nothing is due any more.
	n, err = st.ClaimDue(ctx, now, 100, func(engine.Due) engine.Claim { panic("nothing is due") })
	if err != nil || n != 0 {
		t.Fatalf("second ClaimDue = %d, %v; want 0, nil", n, err)
	}

	// A claim re-running a recorded fire conflicts: the claims before it
	// stay applied, nothing of it or after it is.
	later := t0.Add(20 * time.Minute)
	i := 0
	n, err = st.ClaimDue(ctx, later, 100, func(d engine.Due) engine.Claim {
		c := dispatch(later)(d)
		if i == 2 {
			c.Run.ScheduledFor = d.Schedule.LastRunAt // already run
		}
		i++
		return c
	})
	if !errors.Is(err, engine.ErrConflict) || n != 2 {
		t.Fatalf("conflicting ClaimDue = %d, %v; want 2 and ErrConflict", n, err)
	}
	t.Logf("conflicting claim: %v", err)
	for i, s := range ss {
		got, err := st.GetSchedule(ctx, "acct", s.ID)
		if err != nil {
			t.Fatal(err)
		}
		runs, _, err := st.ListRuns(ctx, "acct", engine.RunFilter{ScheduleID: s.ID})
		if err != nil {
			t.Fatal(err)
		}
		occ, err := st.ListOccurrences(ctx, "acct", s.ID, t0.Add(-time.Hour), t0.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := struct{ Version, Runs, Occurrences int }{3, 2, 2}
		if i >= 2 {
			want = struct{ Version, Runs, Occurrences int }{2, 1, 1}
		}
		got2 := struct{ Version, Runs, Occurrences int }{int(got.Version), len(runs), len(occ)}
		if d := cmp.Diff(want, got2); d != "" {
			t.Errorf("schedule %d after the conflicting claim (-want +got):\n%s", i, d)
		}
	}
}

// A PutKey on an existing hash moves it; cursors from another store are
// refused with ErrInvalid.
func TestKeysAndCursors(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := t.Context()
	for _, acct := range []string{"a", "b"} {
		if err := st.PutKey(ctx, "h1", acct); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.AccountForKey(ctx, "h1"); err != nil || got != "b" {
		t.Errorf("AccountForKey = %q, %v; want b", got, err)
	}
	if _, err := st.AccountForKey(ctx, "nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("AccountForKey(unknown): %v, want ErrNotFound", err)
	}
	for _, c := range []string{"!!", "bm9jb2xvbg", "MTIzOg"} { // bad base64, "nocolon", "123:"
		if _, _, err := st.ListSchedules(ctx, "a", engine.Page{Cursor: c}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("ListSchedules(cursor %q): %v, want ErrInvalid", c, err)
		}
		if _, _, err := st.ListRuns(ctx, "a", engine.RunFilter{Page: engine.Page{Cursor: c}}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("ListRuns(cursor %q): %v, want ErrInvalid", c, err)
		}
	}
}

// A claim failing on a unique key in the database is undone whole (also
// the rows of it that were inserted), and so is every later claim.
func TestClaimDueStopsAtFailingClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		spoil func(d engine.Due, c *engine.Claim) // applied to the third claim
	}{
		{"run exists", func(d engine.Due, c *engine.Claim) { c.Run.ScheduledFor = d.Schedule.LastRunAt }},
		{"occurrence exists", func(d engine.Due, c *engine.Claim) {
			c.Occurrences = append(c.Occurrences, engine.Occurrence{FireTime: d.Schedule.LastRunAt,
				Outcome: engine.OutcomeSkipped, Reason: engine.SkipOverlap, RecordedAt: c.Run.CreatedAt})
		}},
		{"duplicate in batch", func(d engine.Due, c *engine.Claim) {
			c.Occurrences = append(c.Occurrences, c.Occurrences[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			schema := storeSchema(t, st)
			ctx := t.Context()
			var ss []*engine.Schedule
			for i := range 5 {
				ss = append(ss, testSchedule("acct", t0.Add(time.Duration(i)*time.Second)))
			}
			mustCreate(t, st, ss...)
			now := t0.Add(time.Minute)
			if _, err := st.ClaimDue(ctx, now, 100, dispatch(now)); err != nil {
				t.Fatal(err)
			}
			later := now.Add(20 * time.Minute)
			i := 0
			n, err := st.ClaimDue(ctx, later, 100, func(d engine.Due) engine.Claim {
				c := dispatch(later)(d)
				if i == 2 {
					tc.spoil(d, &c)
				}
				i++
				return c
			})
			t.Logf("ClaimDue: %v", err)
			if !errors.Is(err, engine.ErrConflict) || n != 2 {
				t.Fatalf("ClaimDue = %d, %v; want 2 and ErrConflict", n, err)
			}
			if got, want := count(t, schema, "runs"), 5+2; got != want {
				t.Errorf("%d runs, want %d", got, want)
			}
			if got, want := count(t, schema, "occurrences"), 5+2; got != want {
				t.Errorf("%d occurrences, want %d", got, want)
			}
			for i, s := range ss {
				got, err := st.GetSchedule(ctx, "acct", s.ID)
				if err != nil {
					t.Fatal(err)
				}
				// The first two were claimed twice, the others once.
				want, wantVersion := s.NextRunAt.Add(10*time.Minute), int64(2)
				if i < 2 {
					want, wantVersion = want.Add(10*time.Minute), 3
				}
				if !got.NextRunAt.Equal(want) || got.Version != wantVersion {
					t.Errorf("schedule %d: next %v version %d, want %v and %d", i, got.NextRunAt, got.Version, want, wantVersion)
				}
			}
		})
	}
}

// Concurrent creates are coalesced into shared statements, yet each gets
// its own outcome: a taken id conflicts, a value PostgreSQL refuses is
// invalid, and the others are stored.
func TestCreateScheduleConcurrent(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	schema := storeSchema(t, st)
	const n = 300
	ss := make([]*engine.Schedule, n)
	for i := range ss {
		ss[i] = testSchedule("acct", t0)
	}
	ss[10].ID = ss[11].ID             // one of the two conflicts
	ss[20].Cadence = "bad \xff utf-8" // refused by the server
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Go(func() { errs[i] = st.CreateSchedule(t.Context(), s) })
	}
	wg.Wait()
	conflicts := 0
	for i, err := range errs {
		switch {
		case i == 10 || i == 11:
			if errors.Is(err, engine.ErrConflict) {
				conflicts++
			} else if err != nil {
				t.Errorf("create %d: %v", i, err)
			}
		case i == 20:
			if !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("create with invalid UTF-8: %v, want ErrInvalid", err)
			}
		case err != nil:
			t.Errorf("create %d: %v", i, err)
		}
	}
	if conflicts != 1 {
		t.Errorf("%d of the two creates with one id conflicted, want 1", conflicts)
	}
	if got := count(t, schema, "schedules"); got != n-2 {
		t.Errorf("%d schedules stored, want %d", got, n-2)
	}
}
