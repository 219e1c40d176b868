package enginetest

import (
	"sync"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// keepDue is a decide function that changes nothing but the version: the
// schedule stays due with the same times.
func keepDue(d engine.Due) engine.Claim {
	return engine.Claim{NextRunAt: d.Schedule.NextRunAt, LastRunAt: d.Schedule.LastRunAt, LastDispatchedAt: d.Schedule.LastDispatchedAt}
}

func testClaimDueOrderAndLimit(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	mk := func(next time.Time, active bool) *engine.Schedule {
		s := newSchedule(account)
		s.NextRunAt = next
		s.Active = active
		mustCreateSchedule(t, st, s)
		return s
	}
	a := mk(t0.Add(-3*time.Minute), true)
	b := mk(t0.Add(-1*time.Minute), true)
	c := mk(t0.Add(-2*time.Minute), true)
	d := mk(t0, true) // due exactly now
	e := mk(t0.Add(time.Minute), true)
	mk(t0.Add(-10*time.Minute), false) // paused
	mk(time.Time{}, true)              // never fires again

	var order []string
	decide := func(due engine.Due) engine.Claim {
		order = append(order, due.Schedule.ID)
		return engine.Claim{NextRunAt: t0.Add(time.Hour), LastRunAt: due.Schedule.NextRunAt}
	}
	claim := func(now time.Time, limit int, want ...*engine.Schedule) {
		t.Helper()
		order = nil
		n, err := st.ClaimDue(ctx, now, limit, decide)
		if err != nil {
			t.Fatalf("ClaimDue(%v, %d): %v", now, limit, err)
		}
		if n != len(order) {
			t.Errorf("ClaimDue(%v, %d) = %d, but decide was called %d times", now, limit, n, len(order))
		}
		if d := diff(scheduleIDs(want), order); d != "" {
			t.Errorf("ClaimDue(%v, %d) handled (-want +got):\n%s", now, limit, d)
		}
	}
	claim(t0, 2, a, c)
	claim(t0, 10, b, d)
	claim(t0, 10)
	if next, err := st.NextDue(ctx); err != nil || !next.Equal(e.NextRunAt) {
		t.Errorf("NextDue = %v, %v; want %v", next, err, e.NextRunAt)
	}
	claim(t0.Add(time.Minute), 10, e)
	claim(t0.Add(59*time.Minute), 10)
}

func testClaimDueApplies(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-30 * time.Minute)
	s.LastRunAt = t0.Add(-90 * time.Minute)
	s.LastDispatchedAt = t0.Add(-90*time.Minute + time.Second)
	mustCreateSchedule(t, st, s)
	before := mustGetSchedule(t, st, account, s.ID)

	run := newRun(account, s.ID, t0.Add(-15*time.Minute))
	run.ChatID = s.ChatID
	run.Vars = map[string]string{"name": "Ada"}
	run.CreatedAt, run.UpdatedAt = t0, t0
	want := engine.Claim{
		Occurrences: []engine.Occurrence{
			{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(-30 * time.Minute), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: t0},
			{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(-15 * time.Minute), Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: t0},
		},
		Run:              run,
		NextRunAt:        t0.Add(15 * time.Minute),
		LastRunAt:        t0.Add(-15 * time.Minute),
		LastDispatchedAt: t0.Add(time.Microsecond),
	}
	wantRun := run.Clone()
	claim := want
	claim.Run = run.Clone()
	claim.Occurrences = append([]engine.Occurrence(nil), want.Occurrences...)

	calls := 0
	n, err := st.ClaimDue(ctx, t0, 10, func(d engine.Due) engine.Claim {
		calls++
		if diff := diff(before, d.Schedule); diff != "" {
			t.Errorf("Due.Schedule mismatch (-want +got):\n%s", diff)
		}
		if d.ActiveRun {
			t.Error("Due.ActiveRun = true for a schedule without runs")
		}
		// The caller owns what it is given.
		d.Schedule.Vars["name"] = "changed in decide"
		d.Schedule.Bundle = "changed in decide"
		return claim
	})
	if err != nil || n != 1 || calls != 1 {
		t.Fatalf("ClaimDue = %d, %v (decide called %d times); want 1, nil (once)", n, err, calls)
	}
	// Values passed in are not retained.
	claim.Run.ChatID = "changed after ClaimDue"
	claim.Run.Vars["name"] = "changed after ClaimDue"
	claim.Occurrences[0].Reason = engine.SkipOverlap

	after := before.Clone()
	after.NextRunAt = want.NextRunAt
	after.LastRunAt = want.LastRunAt
	after.LastDispatchedAt = want.LastDispatchedAt
	after.Version = before.Version + 1
	if d := diff(after, mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("schedule after claim (-want +got):\n%s", d)
	}
	// An update prepared before the claim lost the race.
	stale := before.Clone()
	stale.Bundle = "written from a stale read"
	wantErr(t, "UpdateSchedule(version from before the claim)", st.UpdateSchedule(ctx, stale), engine.ErrConflict)
	if d := diff(want.Occurrences, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrences after claim (-want +got):\n%s", d)
	}
	if d := diff(wantRun, mustGetRun(t, st, account, run.ID)); d != "" {
		t.Errorf("run after claim (-want +got):\n%s", d)
	}
	if got := runIDs(walkRuns(t, st, account, engine.RunFilter{ScheduleID: s.ID})); len(got) != 1 || got[0] != run.ID {
		t.Errorf("ListRuns(schedule) = %v, want [%s]", got, run.ID)
	}
	if next, err := st.NextDue(ctx); err != nil || !next.Equal(want.NextRunAt) {
		t.Errorf("NextDue = %v, %v; want %v", next, err, want.NextRunAt)
	}
	if n, err := st.ClaimDue(ctx, t0, 10, keepDue); err != nil || n != 0 {
		t.Errorf("second ClaimDue(%v) = %d, %v; want 0, nil", t0, n, err)
	}
	acquired, err := st.AcquireRuns(ctx, "worker-1", t0, t0.Add(time.Minute), 10)
	if err != nil || len(acquired) != 1 || acquired[0].ID != run.ID {
		t.Errorf("AcquireRuns = %v, %v; want the claimed run %s", runIDs(acquired), err, run.ID)
	}
}

func testClaimDueActiveRun(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-time.Minute)
	mustCreateSchedule(t, st, s)
	other := newSchedule(account)
	other.NextRunAt = time.Time{}
	mustCreateSchedule(t, st, other)

	check := func(step string, want bool) {
		t.Helper()
		var got []engine.Due
		n, err := st.ClaimDue(ctx, t0, 1, func(d engine.Due) engine.Claim {
			got = append(got, d)
			return keepDue(d)
		})
		if err != nil || n != 1 || len(got) != 1 {
			t.Fatalf("%s: ClaimDue = %d, %v with %d dues; want 1", step, n, err, len(got))
		}
		if got[0].ActiveRun != want {
			t.Errorf("%s: Due.ActiveRun = %v, want %v", step, got[0].ActiveRun, want)
		}
	}
	check("no runs", false)
	mustCreateRun(t, st, newRun(account, other.ID, t0.Add(-time.Hour)))
	mustCreateRun(t, st, newRun(account, "", t0.Add(-time.Hour)))
	check("only another schedule's and a one-off run queued", false)

	const worker = "worker-1"
	acquireAll := func() {
		t.Helper()
		if _, err := st.AcquireRuns(ctx, worker, t0, t0.Add(time.Hour), 100); err != nil {
			t.Fatalf("AcquireRuns: %v", err)
		}
	}
	acquireAll()
	run := newRun(account, s.ID, t0.Add(-2*time.Hour))
	mustCreateRun(t, st, run)
	check("run queued", true)
	acquireAll()
	check("run in progress", true)
	if _, err := st.FinishRun(ctx, run.ID, worker, engine.Finish{Status: engine.RunCompleted, FinishedAt: t0}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	check("run completed", false)
	if _, err := st.RequeueRun(ctx, account, run.ID, engine.Message{Role: "user", Content: "again"}, t0); err != nil {
		t.Fatalf("RequeueRun: %v", err)
	}
	check("run re-queued", true)
	acquireAll()
	if _, err := st.FinishRun(ctx, run.ID, worker, engine.Finish{Status: engine.RunFailed, Error: "boom", FinishedAt: t0}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	check("run failed", false)

	// Any active run counts, not only the latest: an older run still in
	// progress while a newer one has completed.
	older, newer := newRun(account, s.ID, t0.Add(-90*time.Minute)), newRun(account, s.ID, t0.Add(-80*time.Minute))
	mustCreateRun(t, st, older)
	if got, err := st.AcquireRuns(ctx, "worker-old", t0, t0.Add(time.Hour), 1); err != nil || len(got) != 1 || got[0].ID != older.ID {
		t.Fatalf("AcquireRuns = %v, %v; want [%s]", runIDs(got), err, older.ID)
	}
	mustCreateRun(t, st, newer)
	if got, err := st.AcquireRuns(ctx, worker, t0, t0.Add(time.Hour), 1); err != nil || len(got) != 1 || got[0].ID != newer.ID {
		t.Fatalf("AcquireRuns = %v, %v; want [%s]", runIDs(got), err, newer.ID)
	}
	if _, err := st.FinishRun(ctx, newer.ID, worker, engine.Finish{Status: engine.RunCompleted, FinishedAt: t0}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	check("older run in progress, newer completed", true)
	if _, err := st.ExpireLeases(ctx, t0.Add(2*time.Hour), "expired"); err != nil {
		t.Fatalf("ExpireLeases: %v", err)
	}
	check("older run expired", false)
}

// conflictingClaim checks that a claim violating (schedule, fire time)
// uniqueness is refused with ErrConflict and that nothing of it is applied.
func conflictingClaim(t *testing.T, st engine.Store, account string, s *engine.Schedule, claim engine.Claim) {
	t.Helper()
	ctx := t.Context()
	before := mustGetSchedule(t, st, account, s.ID)
	occBefore := mustListOccurrences(t, st, account, s.ID)
	runsBefore := walkRuns(t, st, account, engine.RunFilter{})
	_, err := st.ClaimDue(ctx, t0, 10, func(engine.Due) engine.Claim { return claim })
	wantErr(t, "ClaimDue(conflicting claim)", err, engine.ErrConflict)
	if d := diff(before, mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("schedule after a refused claim (-want +got):\n%s", d)
	}
	if d := diff(occBefore, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrences after a refused claim (-want +got):\n%s", d)
	}
	if d := diff(runsBefore, walkRuns(t, st, account, engine.RunFilter{})); d != "" {
		t.Errorf("runs after a refused claim (-want +got):\n%s", d)
	}
	if claim.Run != nil {
		_, err := st.GetRun(ctx, account, claim.Run.ID)
		wantErr(t, "GetRun(run of a refused claim)", err, engine.ErrNotFound)
	}
	if next, err := st.NextDue(ctx); err != nil || !next.Equal(before.NextRunAt) {
		t.Errorf("NextDue after a refused claim = %v, %v; want %v", next, err, before.NextRunAt)
	}
}

func testClaimDueOccurrenceConflict(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-time.Minute)
	mustCreateSchedule(t, st, s)
	fire := s.NextRunAt
	mustUpdateSchedule(t, st, s, engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: fire, Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0})

	run := newRun(account, s.ID, fire)
	conflictingClaim(t, st, account, s, engine.Claim{
		Occurrences: []engine.Occurrence{
			{ScheduleID: s.ID, AccountID: account, FireTime: fire.Add(-time.Minute), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: t0},
			{ScheduleID: s.ID, AccountID: account, FireTime: fire, Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: t0},
		},
		Run:       run,
		NextRunAt: t0.Add(time.Hour),
		LastRunAt: fire,
	})

	// Two occurrences for one fire time within a claim conflict too.
	twice := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: fire.Add(-5 * time.Minute), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: t0}
	conflictingClaim(t, st, account, s, engine.Claim{
		Occurrences: []engine.Occurrence{twice, twice},
		NextRunAt:   t0.Add(time.Hour),
	})
}

func testClaimDueRunConflict(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-time.Minute)
	mustCreateSchedule(t, st, s)
	fire := s.NextRunAt
	mustCreateRun(t, st, newRun(account, s.ID, fire))

	run := newRun(account, s.ID, fire)
	conflictingClaim(t, st, account, s, engine.Claim{
		Occurrences: []engine.Occurrence{
			{ScheduleID: s.ID, AccountID: account, FireTime: fire, Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: t0},
		},
		Run:              run,
		NextRunAt:        t0.Add(time.Hour),
		LastRunAt:        fire,
		LastDispatchedAt: t0,
	})
}

func testClaimDueOncePerCall(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	s.NextRunAt = t0.Add(-time.Minute)
	mustCreateSchedule(t, st, s)
	calls := 0
	n, err := st.ClaimDue(ctx, t0, 10, func(d engine.Due) engine.Claim {
		calls++
		return keepDue(d) // still due
	})
	if err != nil || n != 1 || calls != 1 {
		t.Errorf("ClaimDue with a claim that leaves the schedule due = %d, %v (decide called %d times); want 1, nil, once", n, err, calls)
	}
	if got := mustGetSchedule(t, st, account, s.ID); got.Version != 2 || !got.NextRunAt.Equal(s.NextRunAt) {
		t.Errorf("after the claim: Version %d, NextRunAt %v; want 2, %v", got.Version, got.NextRunAt, s.NextRunAt)
	}
	// It is due again on the next call.
	n, err = st.ClaimDue(ctx, t0, 10, keepDue)
	if err != nil || n != 1 {
		t.Errorf("second ClaimDue = %d, %v; want 1", n, err)
	}
}

// A failing Claim stops ClaimDue: the schedules handled before it stay
// handled and are counted; nothing of the failing one, or of the schedules
// after it, is applied.
func testClaimDueStopsAtConflict(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	mk := func(next time.Time) *engine.Schedule {
		s := newSchedule(account)
		s.NextRunAt = next
		mustCreateSchedule(t, st, s)
		return s
	}
	first, bad, last := mk(t0.Add(-3*time.Minute)), mk(t0.Add(-2*time.Minute)), mk(t0.Add(-time.Minute))
	mustCreateRun(t, st, newRun(account, bad.ID, bad.NextRunAt)) // its fire already has a run
	badBefore := mustGetSchedule(t, st, account, bad.ID)
	lastBefore := mustGetSchedule(t, st, account, last.ID)

	var handled []string
	n, err := st.ClaimDue(ctx, t0, 10, func(d engine.Due) engine.Claim {
		handled = append(handled, d.Schedule.ID)
		fire := d.Schedule.NextRunAt
		run := newRun(account, d.Schedule.ID, fire)
		return engine.Claim{
			Occurrences: []engine.Occurrence{{ScheduleID: d.Schedule.ID, AccountID: account, FireTime: fire, Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: t0}},
			Run:         run,
			NextRunAt:   t0.Add(time.Hour),
			LastRunAt:   fire,
		}
	})
	wantErr(t, "ClaimDue(second claim conflicts)", err, engine.ErrConflict)
	if n != 1 {
		t.Errorf("ClaimDue = %d, want 1 (the schedule handled before the conflict)", n)
	}
	if len(handled) < 2 || handled[0] != first.ID || handled[1] != bad.ID {
		t.Errorf("decide saw %v, want %s then %s first", handled, first.ID, bad.ID)
	}
	if got := mustGetSchedule(t, st, account, first.ID); got.Version != 2 || !got.NextRunAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("schedule claimed before the conflict: Version %d, NextRunAt %v; want it applied", got.Version, got.NextRunAt)
	}
	if got := mustListOccurrences(t, st, account, first.ID); len(got) != 1 {
		t.Errorf("schedule claimed before the conflict has %d occurrences, want 1", len(got))
	}
	if d := diff(badBefore, mustGetSchedule(t, st, account, bad.ID)); d != "" {
		t.Errorf("conflicting schedule changed (-want +got):\n%s", d)
	}
	if got := mustListOccurrences(t, st, account, bad.ID); len(got) != 0 {
		t.Errorf("conflicting schedule has occurrences %+v, want none", got)
	}
	if d := diff(lastBefore, mustGetSchedule(t, st, account, last.ID)); d != "" {
		t.Errorf("schedule after the conflict changed (-want +got):\n%s", d)
	}
	if got := mustListOccurrences(t, st, account, last.ID); len(got) != 0 {
		t.Errorf("schedule after the conflict has occurrences %+v, want none", got)
	}
	if got := walkRuns(t, st, account, engine.RunFilter{}); len(got) != 2 {
		t.Errorf("runs after the stopped claim = %d, want 2 (the old one and the first claim's)", len(got))
	}
}

func testClaimDueConcurrent(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	schedules, workers := 500, 16
	if raceEnabled {
		schedules = 100
	}
	ids := make(map[string]bool, schedules)
	for i := range schedules {
		s := newSchedule(account)
		s.NextRunAt = t0.Add(-time.Duration(i) * time.Second)
		mustCreateSchedule(t, st, s)
		ids[s.ID] = true
	}

	var (
		mu      sync.Mutex
		handled = make(map[string]int, schedules)
		total   int
	)
	decide := func(d engine.Due) engine.Claim {
		mu.Lock()
		handled[d.Schedule.ID]++
		mu.Unlock()
		fire := d.Schedule.NextRunAt
		run := newRun(account, d.Schedule.ID, fire)
		return engine.Claim{
			Occurrences:      []engine.Occurrence{{ScheduleID: d.Schedule.ID, AccountID: account, FireTime: fire, Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: t0}},
			Run:              run,
			NextRunAt:        t0.Add(24 * time.Hour),
			LastRunAt:        fire,
			LastDispatchedAt: t0,
		}
	}
	drain := func(limit int) error {
		for {
			n, err := st.ClaimDue(ctx, t0, limit, decide)
			mu.Lock()
			total += n
			mu.Unlock()
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			if err := drain(3 + w%5); err != nil {
				t.Errorf("worker %d: ClaimDue: %v", w, err)
			}
		})
	}
	wg.Wait()
	// Callers that skip locked schedules may stop while others still hold
	// some; whatever is left must be claimable now.
	if err := drain(schedules); err != nil {
		t.Fatalf("final ClaimDue: %v", err)
	}

	if total != schedules {
		t.Errorf("ClaimDue calls handled %d schedules in total, want %d", total, schedules)
	}
	for id := range ids {
		if handled[id] != 1 {
			t.Errorf("schedule %s handled %d times, want once", id, handled[id])
		}
	}
	if len(handled) != schedules {
		t.Errorf("decide saw %d schedules, want %d", len(handled), schedules)
	}
	runs := walkRuns(t, st, account, engine.RunFilter{Page: engine.Page{Limit: engine.MaxPageLimit}})
	perSchedule := make(map[string]int)
	for _, r := range runs {
		perSchedule[r.ScheduleID]++
	}
	for id := range ids {
		if perSchedule[id] != 1 {
			t.Errorf("schedule %s has %d runs, want 1", id, perSchedule[id])
		}
	}
	if next, err := st.NextDue(ctx); err != nil || !next.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("NextDue after claiming everything = %v, %v; want %v", next, err, t0.Add(24*time.Hour))
	}
	// Spot-check that each claim bumped the version exactly once.
	i := 0
	for id := range ids {
		if i++; i > 20 {
			break
		}
		if s := mustGetSchedule(t, st, account, id); s.Version != 2 {
			t.Errorf("schedule %s Version = %d after one claim, want 2", id, s.Version)
		}
	}
}

func testNextDue(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	want := func(step string, wantNext time.Time) {
		t.Helper()
		got, err := st.NextDue(ctx)
		if err != nil {
			t.Fatalf("%s: NextDue: %v", step, err)
		}
		checkUTC(t, "NextDue", got)
		if !got.Equal(wantNext) {
			t.Errorf("%s: NextDue = %v, want %v", step, got, wantNext)
		}
	}
	want("empty store", time.Time{})

	paused := newSchedule(account)
	paused.Active = false
	paused.NextRunAt = t0.Add(-time.Hour)
	mustCreateSchedule(t, st, paused)
	want("only a paused schedule", time.Time{})

	never := newSchedule(account)
	never.NextRunAt = time.Time{}
	mustCreateSchedule(t, st, never)
	want("active schedule that never fires", time.Time{})

	late := newSchedule(account)
	late.NextRunAt = t0.Add(5 * time.Minute)
	mustCreateSchedule(t, st, late)
	want("one due schedule", late.NextRunAt)

	early := newSchedule(newID()) // NextDue is across all accounts
	early.NextRunAt = t0.Add(2 * time.Minute)
	mustCreateSchedule(t, st, early)
	want("earlier schedule of another account", early.NextRunAt)

	past := newSchedule(account)
	past.NextRunAt = t0.Add(-24 * time.Hour)
	mustCreateSchedule(t, st, past)
	want("overdue schedule", past.NextRunAt)

	past.Active = false
	past.PausedAt = t0
	mustUpdateSchedule(t, st, past)
	want("overdue schedule paused", early.NextRunAt)

	paused.Active = true
	paused.NextRunAt = t0.Add(time.Minute + time.Microsecond)
	mustUpdateSchedule(t, st, paused)
	want("paused schedule resumed", paused.NextRunAt)

	if _, err := st.DeleteSchedule(ctx, account, paused.ID); err != nil {
		t.Fatal(err)
	}
	want("earliest deleted", early.NextRunAt)

	n, err := st.ClaimDue(ctx, early.NextRunAt, 10, func(d engine.Due) engine.Claim {
		return engine.Claim{NextRunAt: t0.Add(time.Hour)}
	})
	if err != nil || n != 1 {
		t.Fatalf("ClaimDue = %d, %v; want 1", n, err)
	}
	want("earliest claimed", late.NextRunAt)
	n, err = st.ClaimDue(ctx, late.NextRunAt, 10, func(d engine.Due) engine.Claim {
		return engine.Claim{} // never fires again
	})
	if err != nil || n != 1 {
		t.Fatalf("ClaimDue = %d, %v; want 1", n, err)
	}
	want("claim ends a schedule", t0.Add(time.Hour))
}
