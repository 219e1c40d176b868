package enginetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func testScheduleCRUD(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	s.Warnings = []string{"not stored"}
	mustCreateSchedule(t, st, s)

	got := mustGetSchedule(t, st, account, s.ID)
	if d := diff(stored(s), got); d != "" {
		t.Errorf("GetSchedule after create mismatch (-want +got):\n%s", d)
	}
	if len(got.Warnings) != 0 {
		t.Errorf("GetSchedule: Warnings = %q, want none (they are not stored)", got.Warnings)
	}

	// Replace every field the engine may change.
	u := got.Clone()
	u.ChatID = newID()
	u.Cadence = "*/15 * * * *"
	u.Cron = "*/15 * * * *"
	u.Timezone = "America/New_York"
	u.Active = false
	u.Bundle = "nightly"
	u.ToolhouseID = "th-2"
	u.Vars = map[string]string{"only": "one"}
	u.CallbackURL = ""
	u.UpdatedAt = t0.Add(time.Minute)
	u.LastRunAt = t0.Add(-time.Hour)
	u.LastDispatchedAt = t0.Add(-time.Hour + time.Second)
	u.NextRunAt = time.Time{}
	u.PausedAt = t0.Add(time.Minute)
	mustUpdateSchedule(t, st, u)
	if u.Version != 2 {
		t.Errorf("UpdateSchedule set Version = %d, want 2", u.Version)
	}
	if d := diff(u, mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("GetSchedule after update mismatch (-want +got):\n%s", d)
	}

	// A second update with the new version succeeds too.
	u.Active = true
	u.NextRunAt = t0.Add(2 * time.Hour)
	u.PausedAt = time.Time{}
	mustUpdateSchedule(t, st, u)
	if u.Version != 3 {
		t.Errorf("second UpdateSchedule set Version = %d, want 3", u.Version)
	}

	deleted, err := st.DeleteSchedule(ctx, account, s.ID)
	if err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	if d := diff(u, deleted); d != "" {
		t.Errorf("DeleteSchedule returned (-want +got):\n%s", d)
	}
	_, err = st.GetSchedule(ctx, account, s.ID)
	wantErr(t, "GetSchedule after delete", err, engine.ErrNotFound)
	_, err = st.DeleteSchedule(ctx, account, s.ID)
	wantErr(t, "DeleteSchedule twice", err, engine.ErrNotFound)
	if got := walkSchedules(t, st, account, 0); len(got) != 0 {
		t.Errorf("ListSchedules after delete = %v, want none", scheduleIDs(got))
	}
}

// Values passed in are not retained and values returned are the caller's.
func testScheduleNotRetained(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	want := stored(s)
	mustCreateSchedule(t, st, s)
	s.Vars["name"] = "changed by caller"
	s.Cadence = "changed by caller"

	got := mustGetSchedule(t, st, account, want.ID)
	got.Vars["name"] = "changed by caller"
	got.Bundle = "changed by caller"
	if d := diff(want, mustGetSchedule(t, st, account, want.ID)); d != "" {
		t.Errorf("stored schedule changed through a caller's value (-want +got):\n%s", d)
	}

	u := mustGetSchedule(t, st, account, want.ID)
	mustUpdateSchedule(t, st, u)
	u.Vars["name"] = "changed after update"
	want.Version = 2
	if d := diff(want, mustGetSchedule(t, st, account, want.ID)); d != "" {
		t.Errorf("stored schedule changed through the updated value (-want +got):\n%s", d)
	}

	list, _, err := st.ListSchedules(t.Context(), account, engine.Page{})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListSchedules = %d schedules, %v; want 1", len(list), err)
	}
	list[0].Vars["name"] = "changed through list"
	if d := diff(want, mustGetSchedule(t, st, account, want.ID)); d != "" {
		t.Errorf("stored schedule changed through a listed value (-want +got):\n%s", d)
	}
}

func testScheduleNotFound(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	unknown := newSchedule(account) // never created

	_, err := st.GetSchedule(ctx, account, unknown.ID)
	wantErr(t, "GetSchedule(unknown id)", err, engine.ErrNotFound)
	err = st.UpdateSchedule(ctx, unknown)
	wantErr(t, "UpdateSchedule(unknown id)", err, engine.ErrNotFound)
	_, err = st.DeleteSchedule(ctx, account, unknown.ID)
	wantErr(t, "DeleteSchedule(unknown id)", err, engine.ErrNotFound)
	_, err = st.ListOccurrences(ctx, account, unknown.ID, t0, t0.Add(time.Hour), 0)
	wantErr(t, "ListOccurrences(unknown id)", err, engine.ErrNotFound)
	_, err = st.GetSchedule(ctx, account, "")
	wantErr(t, "GetSchedule(empty id)", err, engine.ErrNotFound)

	if d := diff(stored(s), mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("existing schedule changed (-want +got):\n%s", d)
	}
	if got, err := st.NextDue(ctx); err != nil || !got.Equal(s.NextRunAt) {
		t.Errorf("NextDue = %v, %v; want %v (the unknown schedule was not created)", got, err, s.NextRunAt)
	}
}

func testScheduleConflict(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account, other := newID(), newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)

	dup := newSchedule(account)
	dup.ID = s.ID
	dup.Cadence = "duplicate"
	wantErr(t, "CreateSchedule(existing id)", st.CreateSchedule(ctx, dup), engine.ErrConflict)
	dup = newSchedule(other)
	dup.ID = s.ID
	wantErr(t, "CreateSchedule(id of another account's schedule)", st.CreateSchedule(ctx, dup), engine.ErrConflict)
	if _, err := st.GetSchedule(ctx, other, s.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("GetSchedule(other account) after refused create: %v, want ErrNotFound", err)
	}

	// Two writers read version 1; the first update wins, the second conflicts.
	a := mustGetSchedule(t, st, account, s.ID)
	b := mustGetSchedule(t, st, account, s.ID)
	a.Bundle = "first"
	mustUpdateSchedule(t, st, a)
	b.Bundle = "second"
	wantErr(t, "UpdateSchedule(stale version)", st.UpdateSchedule(ctx, b), engine.ErrConflict)
	c := a.Clone()
	c.Version = 7
	c.Bundle = "future version"
	wantErr(t, "UpdateSchedule(version ahead of the store)", st.UpdateSchedule(ctx, c), engine.ErrConflict)
	if d := diff(a, mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("schedule after conflicting updates (-want +got):\n%s", d)
	}

	// A conflicting update records no occurrences either.
	b = a.Clone()
	b.Version = 1
	occ := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: t0, Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0}
	wantErr(t, "UpdateSchedule(stale version, occurrence)", st.UpdateSchedule(ctx, b, occ), engine.ErrConflict)
	if got := mustListOccurrences(t, st, account, s.ID); len(got) != 0 {
		t.Errorf("occurrences after a conflicting update = %+v, want none", got)
	}
}

func testRunConflict(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	r := newRun(account, s.ID, t0)
	mustCreateRun(t, st, r)

	dup := newRun(account, "", t0.Add(time.Minute))
	dup.ID = r.ID
	wantErr(t, "CreateRun(existing id)", st.CreateRun(ctx, dup), engine.ErrConflict)
	dup = newRun(newID(), "", t0.Add(time.Minute))
	dup.ID = r.ID
	wantErr(t, "CreateRun(id of another account's run)", st.CreateRun(ctx, dup), engine.ErrConflict)
	second := newRun(account, s.ID, t0)
	wantErr(t, "CreateRun(second run for the same schedule and fire time)", st.CreateRun(ctx, second), engine.ErrConflict)
	if _, err := st.GetRun(ctx, account, second.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("GetRun(refused run): %v, want ErrNotFound", err)
	}
	if d := diff(r, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("run after refused creates (-want +got):\n%s", d)
	}

	// Another fire time of the same schedule is fine, and so are one-off
	// runs sharing a ScheduledFor.
	mustCreateRun(t, st, newRun(account, s.ID, t0.Add(time.Microsecond)))
	mustCreateRun(t, st, newRun(account, "", t0))
	mustCreateRun(t, st, newRun(account, "", t0))
	if got := walkRuns(t, st, account, engine.RunFilter{}); len(got) != 4 {
		t.Errorf("ListRuns = %d runs, want 4", len(got))
	}
}

// testTenantIsolation checks every account-scoped method with another
// account's ids.
func testTenantIsolation(t *testing.T, st engine.Store) {
	ctx := t.Context()
	alice, bob := newID(), newID()
	as := newSchedule(alice)
	bs := newSchedule(bob)
	mustCreateSchedule(t, st, as)
	mustCreateSchedule(t, st, bs)
	occ := engine.Occurrence{ScheduleID: as.ID, AccountID: alice, FireTime: t0, Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: t0}
	mustUpdateSchedule(t, st, as, occ)
	ar := newRun(alice, as.ID, t0)
	ar.Status = engine.RunCompleted
	ar.FinishedAt = t0.Add(time.Minute)
	br := newRun(bob, bs.ID, t0)
	mustCreateRun(t, st, ar)
	mustCreateRun(t, st, br)
	wantSchedule := mustGetSchedule(t, st, alice, as.ID)
	wantRun := mustGetRun(t, st, alice, ar.ID)

	_, err := st.GetSchedule(ctx, bob, as.ID)
	wantErr(t, "GetSchedule(other account)", err, engine.ErrNotFound)
	u := wantSchedule.Clone()
	u.AccountID = bob
	u.Bundle = "hijacked"
	wantErr(t, "UpdateSchedule(other account)", st.UpdateSchedule(ctx, u, engine.Occurrence{ScheduleID: as.ID, AccountID: bob, FireTime: t0.Add(time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0}), engine.ErrNotFound)
	_, err = st.DeleteSchedule(ctx, bob, as.ID)
	wantErr(t, "DeleteSchedule(other account)", err, engine.ErrNotFound)
	_, err = st.ListOccurrences(ctx, bob, as.ID, t0.Add(-time.Hour), t0.Add(2*time.Hour), 0)
	wantErr(t, "ListOccurrences(other account)", err, engine.ErrNotFound)
	_, err = st.GetRun(ctx, bob, ar.ID)
	wantErr(t, "GetRun(other account)", err, engine.ErrNotFound)
	_, err = st.RequeueRun(ctx, bob, ar.ID, engine.Message{Role: "user", Content: "hi"}, t0.Add(time.Hour))
	wantErr(t, "RequeueRun(other account)", err, engine.ErrNotFound)

	if got := scheduleIDs(walkSchedules(t, st, bob, 0)); !slices.Equal(got, []string{bs.ID}) {
		t.Errorf("ListSchedules(bob) = %v, want only %v", got, bs.ID)
	}
	if got := runIDs(walkRuns(t, st, bob, engine.RunFilter{})); !slices.Equal(got, []string{br.ID}) {
		t.Errorf("ListRuns(bob) = %v, want only %v", got, br.ID)
	}
	if got := walkRuns(t, st, bob, engine.RunFilter{ScheduleID: as.ID}); len(got) != 0 {
		t.Errorf("ListRuns(bob, alice's schedule) = %v, want none", runIDs(got))
	}
	if got := walkRuns(t, st, bob, engine.RunFilter{Status: engine.RunCompleted}); len(got) != 0 {
		t.Errorf("ListRuns(bob, completed) = %v, want none", runIDs(got))
	}

	if d := diff(wantSchedule, mustGetSchedule(t, st, alice, as.ID)); d != "" {
		t.Errorf("alice's schedule changed (-want +got):\n%s", d)
	}
	if d := diff([]engine.Occurrence{occ}, mustListOccurrences(t, st, alice, as.ID)); d != "" {
		t.Errorf("alice's occurrences changed (-want +got):\n%s", d)
	}
	if d := diff(wantRun, mustGetRun(t, st, alice, ar.ID)); d != "" {
		t.Errorf("alice's run changed (-want +got):\n%s", d)
	}
}

func testUpdateScheduleOccurrences(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)

	first := []engine.Occurrence{
		{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(2 * time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0.Add(3 * time.Hour)},
		{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0.Add(3 * time.Hour)},
	}
	s.PausedAt = t0
	s.Active = false
	mustUpdateSchedule(t, st, s, first...)
	want := []engine.Occurrence{first[1], first[0]}
	if d := diff(want, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Fatalf("occurrences after update (-want +got):\n%s", d)
	}

	// An occurrence already recorded for a fire time is left as it is.
	second := []engine.Occurrence{
		{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMinCadence, RecordedAt: t0.Add(4 * time.Hour)},
		{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(3 * time.Hour), Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: t0.Add(4 * time.Hour)},
	}
	s.Active = true
	s.PausedAt = time.Time{}
	mustUpdateSchedule(t, st, s, second...)
	if s.Version != 3 {
		t.Errorf("Version after two updates = %d, want 3", s.Version)
	}
	want = []engine.Occurrence{first[1], first[0], second[1]}
	if d := diff(want, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrences after second update (-want +got):\n%s", d)
	}
	if d := diff(stored(s), mustGetSchedule(t, st, account, s.ID)); d != "" {
		t.Errorf("schedule after updates (-want +got):\n%s", d)
	}
}

func testDeleteScheduleKeepsRuns(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	occ := []engine.Occurrence{
		{ScheduleID: s.ID, AccountID: account, FireTime: t0, Outcome: engine.OutcomeSkipped, Reason: engine.SkipOverlap, RecordedAt: t0},
	}
	mustUpdateSchedule(t, st, s, occ...)
	done := newRun(account, s.ID, t0.Add(-time.Hour))
	done.Status = engine.RunCompleted
	done.FinishedAt = t0.Add(-time.Hour + time.Minute)
	inflight := newRun(account, s.ID, t0.Add(-time.Minute))
	mustCreateRun(t, st, done)
	mustCreateRun(t, st, inflight)
	acquired, err := st.AcquireRuns(ctx, "worker-1", t0, t0.Add(time.Minute), 10)
	if err != nil || len(acquired) != 1 || acquired[0].ID != inflight.ID {
		t.Fatalf("AcquireRuns = %v, %v; want [%s]", runIDs(acquired), err, inflight.ID)
	}
	wantDone := mustGetRun(t, st, account, done.ID)
	wantInflight := mustGetRun(t, st, account, inflight.ID)

	if _, err := st.DeleteSchedule(ctx, account, s.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	if d := diff(wantDone, mustGetRun(t, st, account, done.ID)); d != "" {
		t.Errorf("finished run after delete (-want +got):\n%s", d)
	}
	if d := diff(wantInflight, mustGetRun(t, st, account, inflight.ID)); d != "" {
		t.Errorf("in-flight run after delete (-want +got):\n%s", d)
	}
	if got := walkRuns(t, st, account, engine.RunFilter{}); len(got) != 2 {
		t.Errorf("ListRuns after delete = %v, want both runs", runIDs(got))
	}
	_, err = st.ListOccurrences(ctx, account, s.ID, t0.Add(-time.Hour), t0.Add(time.Hour), 0)
	wantErr(t, "ListOccurrences after delete", err, engine.ErrNotFound)
	if next, err := st.NextDue(ctx); err != nil || !next.IsZero() {
		t.Errorf("NextDue after delete = %v, %v; want zero", next, err)
	}

	// The in-flight run finishes.
	finished, err := st.FinishRun(ctx, inflight.ID, "worker-1", engine.Finish{Status: engine.RunCompleted, FinishedAt: t0.Add(time.Minute)})
	if err != nil || finished.Status != engine.RunCompleted {
		t.Errorf("FinishRun after delete = %+v, %v; want completed", finished, err)
	}

	// The occurrences went with the schedule: a new schedule with the same
	// id starts with none.
	again := newSchedule(account)
	again.ID = s.ID
	mustCreateSchedule(t, st, again)
	if got := mustListOccurrences(t, st, account, s.ID); len(got) != 0 {
		t.Errorf("occurrences of a re-created schedule = %+v, want none", got)
	}
}

func testListOccurrences(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	other := newSchedule(account)
	mustCreateSchedule(t, st, s)
	mustCreateSchedule(t, st, other)
	var all []engine.Occurrence
	for i := range 10 {
		o := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: t0.Add(time.Duration(i) * 10 * time.Minute), RecordedAt: t0.Add(time.Duration(i)*10*time.Minute + time.Second)}
		if i%3 == 0 {
			o.Outcome, o.RunID = engine.OutcomeDispatched, newID()
		} else {
			o.Outcome, o.Reason = engine.OutcomeSkipped, engine.SkipMinCadence
		}
		all = append(all, o)
	}
	// Record them out of order, in two updates.
	shuffled := append([]engine.Occurrence(nil), all...)
	slices.Reverse(shuffled)
	shuffled[2], shuffled[7] = shuffled[7], shuffled[2]
	mustUpdateSchedule(t, st, s, shuffled[:4]...)
	mustUpdateSchedule(t, st, s, shuffled[4:]...)
	mustUpdateSchedule(t, st, other, engine.Occurrence{ScheduleID: other.ID, AccountID: account, FireTime: t0.Add(20 * time.Minute), Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: t0})

	tests := []occWindow{
		{"everything", t0.Add(-time.Hour), t0.Add(time.Hour * 5), 0, all},
		{"from inclusive, to exclusive", t0.Add(20 * time.Minute), t0.Add(60 * time.Minute), 0, all[2:6]},
		{"between fire times", t0.Add(20*time.Minute + time.Microsecond), t0.Add(60*time.Minute - time.Microsecond), 0, all[3:6]},
		{"limit", t0.Add(20 * time.Minute), t0.Add(time.Hour * 5), 3, all[2:5]},
		{"negative limit means none", t0, t0.Add(time.Hour * 5), -1, all},
		{"limit above count", t0.Add(80 * time.Minute), t0.Add(time.Hour * 5), 5, all[8:]},
		{"empty window", t0.Add(30 * time.Minute), t0.Add(30 * time.Minute), 0, nil},
		{"before the first", t0.Add(-time.Hour), t0, 0, nil},
	}
	checkOccurrenceWindows(t, st, account, s.ID, tests)
}
