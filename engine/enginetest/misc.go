package enginetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func testTimeRoundTrip(t *testing.T, st engine.Store) {
	account := newID()
	// Distinct instants, each with a different microsecond part, some far
	// from t0.
	at := func(d time.Duration, us int) time.Time {
		return t0.Add(d).Truncate(time.Second).Add(time.Duration(us) * time.Microsecond)
	}
	s := newSchedule(account)
	s.CreatedAt = at(-72*time.Hour, 1)
	s.UpdatedAt = at(-time.Hour, 999999)
	s.LastRunAt = at(-30*time.Minute, 500000)
	s.NextRunAt = at(24*365*time.Hour, 123456)
	s.LastDispatchedAt = at(-29*time.Minute, 654321)
	s.PausedAt = time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	mustCreateSchedule(t, st, s)
	got := mustGetSchedule(t, st, account, s.ID)
	if d := diff(stored(s), got); d != "" {
		t.Errorf("schedule times after create (-want +got):\n%s", d)
	}

	// Zero times stay zero.
	s.LastRunAt, s.LastDispatchedAt, s.PausedAt, s.NextRunAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	mustUpdateSchedule(t, st, s)
	got = mustGetSchedule(t, st, account, s.ID)
	for name, tm := range map[string]time.Time{"LastRunAt": got.LastRunAt, "LastDispatchedAt": got.LastDispatchedAt, "PausedAt": got.PausedAt, "NextRunAt": got.NextRunAt} {
		if !tm.IsZero() {
			t.Errorf("Schedule.%s = %v after storing the zero time, want zero", name, tm)
		}
	}

	r := newRun(account, s.ID, at(-10*time.Minute, 7))
	r.CreatedAt = at(-9*time.Minute, 70)
	r.UpdatedAt = at(-8*time.Minute, 700)
	r.StartedAt = at(-7*time.Minute, 7000)
	r.FinishedAt = at(-6*time.Minute, 70000)
	r.LeaseExpiresAt = at(-5*time.Minute, 700000)
	r.Status = engine.RunCompleted
	mustCreateRun(t, st, r)
	if d := diff(r, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("run times after create (-want +got):\n%s", d)
	}
	zero := newRun(account, "", at(0, 1))
	mustCreateRun(t, st, zero)
	gotZero := mustGetRun(t, st, account, zero.ID)
	for name, tm := range map[string]time.Time{"StartedAt": gotZero.StartedAt, "FinishedAt": gotZero.FinishedAt, "LeaseExpiresAt": gotZero.LeaseExpiresAt} {
		if !tm.IsZero() {
			t.Errorf("Run.%s = %v after storing the zero time, want zero", name, tm)
		}
	}

	// Times a store sets itself come from the arguments, exactly.
	now, lease := at(time.Minute, 314159), at(2*time.Minute, 271828)
	acquired, err := st.AcquireRuns(t.Context(), "worker-1", now, lease, 1)
	if err != nil || len(acquired) != 1 {
		t.Fatalf("AcquireRuns = %v, %v", runIDs(acquired), err)
	}
	got1 := mustGetRun(t, st, account, zero.ID)
	if !got1.StartedAt.Equal(now) || !got1.LeaseExpiresAt.Equal(lease) {
		t.Errorf("after AcquireRuns: StartedAt %v, LeaseExpiresAt %v; want %v, %v", got1.StartedAt, got1.LeaseExpiresAt, now, lease)
	}

	occ := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: at(-3*time.Hour, 1), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: at(0, 999999)}
	mustUpdateSchedule(t, st, s, occ)
	if d := diff([]engine.Occurrence{occ}, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrence times (-want +got):\n%s", d)
	}
	// NextDue returns NextRunAt exactly.
	s.NextRunAt = at(time.Hour, 424242)
	mustUpdateSchedule(t, st, s)
	if next, err := st.NextDue(t.Context()); err != nil || !next.Equal(s.NextRunAt) {
		t.Errorf("NextDue = %v, %v; want %v", next, err, s.NextRunAt)
	}
}

func testVarsNilVersusEmpty(t *testing.T, st engine.Store) {
	account := newID()
	tests := []struct {
		name         string
		vars, update map[string]string
	}{
		{"nil then empty", nil, map[string]string{}},
		{"empty then nil", map[string]string{}, nil},
		{"values then nil", map[string]string{"a": "1", "b": ""}, nil},
		{"nil then values", nil, map[string]string{"": "empty key", "ünïcode": "✓"}},
	}
	for _, tc := range tests {
		s := newSchedule(account)
		s.Vars = tc.vars
		mustCreateSchedule(t, st, s)
		got := mustGetSchedule(t, st, account, s.ID)
		if (got.Vars == nil) != (tc.vars == nil) {
			t.Errorf("%s: created with Vars %#v, got back %#v", tc.name, tc.vars, got.Vars)
		}
		if d := diff(stored(s), got); d != "" {
			t.Errorf("%s: after create (-want +got):\n%s", tc.name, d)
		}
		s.Vars = tc.update
		mustUpdateSchedule(t, st, s)
		got = mustGetSchedule(t, st, account, s.ID)
		if (got.Vars == nil) != (tc.update == nil) {
			t.Errorf("%s: updated to Vars %#v, got back %#v", tc.name, tc.update, got.Vars)
		}
		if d := diff(stored(s), got); d != "" {
			t.Errorf("%s: after update (-want +got):\n%s", tc.name, d)
		}

		// Runs too, through their lifecycle.
		r := newRun(account, s.ID, t0)
		r.Vars = tc.vars
		mustCreateRun(t, st, r)
		if got := mustGetRun(t, st, account, r.ID); (got.Vars == nil) != (tc.vars == nil) || diff(r.Vars, got.Vars) != "" {
			t.Errorf("%s: run created with Vars %#v, got back %#v", tc.name, tc.vars, got.Vars)
		}
		acquired, err := st.AcquireRuns(t.Context(), "worker-1", t0, t0.Add(time.Minute), 1)
		if err != nil || len(acquired) != 1 {
			t.Fatalf("%s: AcquireRuns = %v, %v", tc.name, runIDs(acquired), err)
		}
		if (acquired[0].Vars == nil) != (tc.vars == nil) {
			t.Errorf("%s: acquired run has Vars %#v, want %#v", tc.name, acquired[0].Vars, tc.vars)
		}
		finished, err := st.FinishRun(t.Context(), r.ID, "worker-1", engine.Finish{Status: engine.RunCompleted, FinishedAt: t0.Add(time.Second)})
		if err != nil || (finished.Vars == nil) != (tc.vars == nil) {
			t.Errorf("%s: finished run has Vars %#v (%v), want %#v", tc.name, finished.Vars, err, tc.vars)
		}
	}
}

// snapshot is everything the cancellation test can observe of a store.
type snapshot struct {
	Schedules   []*engine.Schedule
	Runs        []*engine.Run
	Occurrences []engine.Occurrence
	NextDue     time.Time
	Keys        int
}

func takeSnapshot(t *testing.T, st engine.Store, account, scheduleID string) snapshot {
	t.Helper()
	next, err := st.NextDue(t.Context())
	if err != nil {
		t.Fatalf("NextDue: %v", err)
	}
	snap := snapshot{
		Schedules:   walkSchedules(t, st, account, engine.MaxPageLimit),
		Runs:        walkRuns(t, st, account, engine.RunFilter{Page: engine.Page{Limit: engine.MaxPageLimit}}),
		Occurrences: mustListOccurrences(t, st, account, scheduleID),
		NextDue:     next,
	}
	if ks, ok := st.(engine.KeyStore); ok {
		if snap.Keys, err = ks.CountKeys(t.Context()); err != nil {
			t.Fatalf("CountKeys: %v", err)
		}
	}
	return snap
}

func testContextCancelled(t *testing.T, st engine.Store) {
	account := newID()
	const worker = "worker-1"
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-time.Minute)
	mustCreateSchedule(t, st, s)
	mustUpdateSchedule(t, st, s, engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(-time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0})
	inProgress := newRun(account, s.ID, t0.Add(-2*time.Hour))
	mustCreateRun(t, st, inProgress)
	if got, err := st.AcquireRuns(t.Context(), worker, t0, t0.Add(time.Minute), 1); err != nil || len(got) != 1 {
		t.Fatalf("AcquireRuns = %v, %v", runIDs(got), err)
	}
	queued := newRun(account, "", t0)
	mustCreateRun(t, st, queued)
	completed := newRun(account, "", t0.Add(-time.Hour))
	completed.Status = engine.RunCompleted
	mustCreateRun(t, st, completed)
	ks, hasKeys := st.(engine.KeyStore)
	if hasKeys {
		if err := ks.PutKey(t.Context(), "hash-1", account); err != nil {
			t.Fatalf("PutKey: %v", err)
		}
	}
	before := takeSnapshot(t, st, account, s.ID)

	update := mustGetSchedule(t, st, account, s.ID)
	update.Bundle = "changed"
	claim := func(d engine.Due) engine.Claim {
		r := newRun(account, s.ID, d.Schedule.NextRunAt)
		return engine.Claim{
			Occurrences: []engine.Occurrence{{ScheduleID: s.ID, AccountID: account, FireTime: d.Schedule.NextRunAt, Outcome: engine.OutcomeDispatched, RunID: r.ID, RecordedAt: t0}},
			Run:         r,
			NextRunAt:   t0.Add(time.Hour),
		}
	}
	type op struct {
		name string
		call func(ctx context.Context) error
	}
	claimOp := op{"ClaimDue", func(ctx context.Context) error { _, err := st.ClaimDue(ctx, t0, 10, claim); return err }}
	ops := []op{
		{"CreateSchedule", func(ctx context.Context) error { return st.CreateSchedule(ctx, newSchedule(account)) }},
		{"GetSchedule", func(ctx context.Context) error { _, err := st.GetSchedule(ctx, account, s.ID); return err }},
		{"ListSchedules", func(ctx context.Context) error {
			_, _, err := st.ListSchedules(ctx, account, engine.Page{})
			return err
		}},
		{"UpdateSchedule", func(ctx context.Context) error {
			return st.UpdateSchedule(ctx, update.Clone(), engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: t0, Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0})
		}},
		{"DeleteSchedule", func(ctx context.Context) error { _, err := st.DeleteSchedule(ctx, account, s.ID); return err }},
		{"ListOccurrences", func(ctx context.Context) error {
			_, err := st.ListOccurrences(ctx, account, s.ID, t0.Add(-time.Hour), t0, 0)
			return err
		}},
		claimOp,
		{"NextDue", func(ctx context.Context) error { _, err := st.NextDue(ctx); return err }},
		{"CreateRun", func(ctx context.Context) error { return st.CreateRun(ctx, newRun(account, "", t0)) }},
		{"GetRun", func(ctx context.Context) error { _, err := st.GetRun(ctx, account, queued.ID); return err }},
		{"ListRuns", func(ctx context.Context) error {
			_, _, err := st.ListRuns(ctx, account, engine.RunFilter{})
			return err
		}},
		{"RequeueRun", func(ctx context.Context) error {
			_, err := st.RequeueRun(ctx, account, completed.ID, engine.Message{Role: "user", Content: "x"}, t0)
			return err
		}},
		{"AcquireRuns", func(ctx context.Context) error {
			_, err := st.AcquireRuns(ctx, worker, t0, t0.Add(time.Minute), 10)
			return err
		}},
		{"RenewLease", func(ctx context.Context) error { return st.RenewLease(ctx, inProgress.ID, worker, t0.Add(time.Hour)) }},
		{"FinishRun", func(ctx context.Context) error {
			_, err := st.FinishRun(ctx, inProgress.ID, worker, engine.Finish{Status: engine.RunCompleted, FinishedAt: t0})
			return err
		}},
		{"ExpireLeases", func(ctx context.Context) error {
			_, err := st.ExpireLeases(ctx, t0.Add(time.Hour), "expired")
			return err
		}},
		// Would delete the occurrence at t0-1h.
		{"PruneBefore", func(ctx context.Context) error { _, err := st.PruneBefore(ctx, t0, 100); return err }},
	}
	if hasKeys {
		ops = append(ops,
			op{"PutKey", func(ctx context.Context) error { return ks.PutKey(ctx, "hash-2", account) }},
			op{"AccountForKey", func(ctx context.Context) error { _, err := ks.AccountForKey(ctx, "hash-1"); return err }},
			op{"CountKeys", func(ctx context.Context) error { _, err := ks.CountKeys(ctx); return err }},
		)
	}
	for _, op := range ops {
		err := op.call(cancelled(t))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s(cancelled ctx): error %v, want one wrapping context.Canceled", op.name, err)
		}
		if d := diff(before, takeSnapshot(t, st, account, s.ID)); d != "" {
			t.Fatalf("%s(cancelled ctx) changed the store (-before +after):\n%s", op.name, d)
		}
	}

	// The same calls with a live context do change it (the test above
	// exercised real work).
	if err := claimOp.call(t.Context()); err != nil {
		t.Errorf("ClaimDue(live ctx): %v", err)
	}
	if d := diff(before, takeSnapshot(t, st, account, s.ID)); d == "" {
		t.Error("ClaimDue(live ctx) changed nothing; the cancellation check proves nothing")
	}
}

func testKeyStore(t *testing.T, st engine.Store) {
	ks, ok := st.(engine.KeyStore)
	if !ok {
		t.Skip("store does not implement engine.KeyStore")
	}
	ctx := t.Context()
	alice, bob := newID(), newID()
	if n, err := ks.CountKeys(ctx); err != nil || n != 0 {
		t.Errorf("CountKeys(empty) = %d, %v; want 0", n, err)
	}
	const h1, h2 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
	for _, put := range []struct{ hash, account string }{{h1, alice}, {h2, bob}, {h1, alice}} {
		if err := ks.PutKey(ctx, put.hash, put.account); err != nil {
			t.Fatalf("PutKey(%s, %s): %v", put.hash, put.account, err)
		}
	}
	if n, err := ks.CountKeys(ctx); err != nil || n != 2 {
		t.Errorf("CountKeys = %d, %v; want 2", n, err)
	}
	for hash, want := range map[string]string{h1: alice, h2: bob} {
		if got, err := ks.AccountForKey(ctx, hash); err != nil || got != want {
			t.Errorf("AccountForKey(%s) = %q, %v; want %q", hash, got, err, want)
		}
	}
	_, err := ks.AccountForKey(ctx, "0000")
	wantErr(t, "AccountForKey(unknown)", err, engine.ErrNotFound)
}
