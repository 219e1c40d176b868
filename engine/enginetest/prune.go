package enginetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// endedRun returns a run of account that ended with status at finished.
func endedRun(account, scheduleID string, scheduledFor time.Time, status engine.RunStatus, finished time.Time) *engine.Run {
	r := newRun(account, scheduleID, scheduledFor)
	r.Status, r.Attempt = status, 1
	r.StartedAt, r.FinishedAt, r.UpdatedAt = scheduledFor, finished, finished
	r.Results = []engine.Message{{Role: "assistant", Content: "done"}}
	if status == engine.RunFailed {
		r.Error = "boom"
	}
	return r
}

// skippedAt returns a single-fire occurrence of s skipped as missed.
func skippedAt(s *engine.Schedule, fire time.Time) engine.Occurrence {
	return engine.Occurrence{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: fire, Outcome: engine.OutcomeSkipped, Reason: engine.SkipMissed, RecordedAt: fire}
}

// pruneAll calls PruneBefore in batches of limit until a batch comes back
// short, as the engine does, and returns the total.
func pruneAll(t *testing.T, st engine.Store, before time.Time, limit int) int {
	t.Helper()
	total := 0
	for {
		n, err := st.PruneBefore(t.Context(), before, limit)
		if err != nil {
			t.Fatalf("PruneBefore(%v, %d): %v", before, limit, err)
		}
		if n < 0 || n > limit {
			t.Fatalf("PruneBefore(%v, %d) = %d, want 0..%d", before, limit, n, limit)
		}
		total += n
		if n < limit {
			return total
		}
	}
}

// testPruneBefore checks what PruneBefore deletes and what it keeps, across
// accounts: ended runs older than the cutoff (of live and deleted
// schedules, and one-off runs), occurrences whose last fire is older; never
// active runs, younger records, a span reaching past the cutoff, nor a
// schedule's fields.
func testPruneBefore(t *testing.T, st engine.Store) {
	cut := t0
	old, young := t0.Add(-time.Hour), t0.Add(time.Hour)
	a, b := newID(), newID()

	sa, sb, gone := newSchedule(a), newSchedule(b), newSchedule(a)
	sa.LastRunAt = old.Add(-time.Hour) // the fire of a run about to be pruned
	for _, s := range []*engine.Schedule{sa, sb, gone} {
		mustCreateSchedule(t, st, s)
	}
	spanOld := pausedSpan(a, sa.ID, old.Add(-5*time.Hour), old, 6)          // ends before the cutoff
	spanAcross := pausedSpan(a, sa.ID, old.Add(-30*time.Minute), young, 10) // began before, ends after
	spanEndsAtCut := pausedSpan(b, sb.ID, old.Add(-3*time.Hour), cut, 4)    // last fire at the cutoff: kept
	mustUpdateSchedule(t, st, sa, spanOld, spanAcross, skippedAt(sa, old.Add(-2*time.Hour)), skippedAt(sa, young))
	mustUpdateSchedule(t, st, sb, spanEndsAtCut, skippedAt(sb, old), skippedAt(sb, cut.Add(-time.Microsecond)), skippedAt(sb, cut))
	mustUpdateSchedule(t, st, gone, skippedAt(gone, old))
	wantSA, wantSB := mustGetSchedule(t, st, a, sa.ID), mustGetSchedule(t, st, b, sb.ID)

	type runCase struct {
		name string
		run  *engine.Run
		kept bool
	}
	queuedOld := newRun(a, sa.ID, old.Add(-48*time.Hour))
	leased := newRun(b, sb.ID, old.Add(-49*time.Hour))
	runs := []runCase{
		{"completed long ago", endedRun(a, sa.ID, old.Add(-time.Hour), engine.RunCompleted, old), false},
		{"failed long ago, other account", endedRun(b, sb.ID, old.Add(-2*time.Hour), engine.RunFailed, old), false},
		{"one-off, completed long ago", endedRun(b, "", old, engine.RunCompleted, old.Add(time.Minute)), false},
		{"of a deleted schedule", endedRun(a, gone.ID, old, engine.RunCompleted, old), false},
		{"finished just before the cutoff", endedRun(a, sa.ID, old, engine.RunCompleted, cut.Add(-time.Microsecond)), false},
		{"finished at the cutoff", endedRun(a, sa.ID, old.Add(time.Minute), engine.RunCompleted, cut), true},
		{"finished after the cutoff", endedRun(b, sb.ID, old, engine.RunFailed, young), true},
		{"queued since long ago", queuedOld, true},
		{"in progress since long ago", leased, true},
	}
	for _, rc := range runs {
		mustCreateRun(t, st, rc.run)
	}
	if got, err := st.AcquireRuns(t.Context(), "worker-1", old, young.Add(time.Hour), 1); err != nil || len(got) != 1 || got[0].ID != leased.ID {
		t.Fatalf("AcquireRuns = %v, %v; want [%s]", runIDs(got), err, leased.ID)
	}
	if _, err := st.DeleteSchedule(t.Context(), a, gone.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	before := map[string]*engine.Run{}
	for _, rc := range runs {
		before[rc.run.ID] = mustGetRun(t, st, rc.run.AccountID, rc.run.ID)
	}

	// 5 runs, then sa's old span and old single fire, sb's two fires
	// before the cutoff (gone's went with it).
	const want = 5 + 2 + 2
	if got := pruneAll(t, st, cut, 1000); got != want {
		t.Errorf("PruneBefore deleted %d records, want %d", got, want)
	}
	for _, rc := range runs {
		got, err := st.GetRun(t.Context(), rc.run.AccountID, rc.run.ID)
		switch {
		case rc.kept && err != nil:
			t.Errorf("%s: GetRun after pruning: %v, want it kept", rc.name, err)
		case rc.kept:
			if d := diff(before[rc.run.ID], got); d != "" {
				t.Errorf("%s: changed by pruning (-before +after):\n%s", rc.name, d)
			}
		case !errors.Is(err, engine.ErrNotFound):
			t.Errorf("%s: GetRun after pruning = %v, %v; want ErrNotFound", rc.name, got != nil, err)
		}
	}
	for _, c := range []struct {
		account, id string
		want        []engine.Occurrence
	}{
		{a, sa.ID, []engine.Occurrence{spanAcross, skippedAt(sa, young)}},
		{b, sb.ID, []engine.Occurrence{spanEndsAtCut, skippedAt(sb, cut)}},
	} {
		if d := diff(c.want, mustListOccurrences(t, st, c.account, c.id)); d != "" {
			t.Errorf("occurrences of %s after pruning (-want +got):\n%s", c.id, d)
		}
	}
	// The schedules are untouched: sa's LastRunAt still names the pruned
	// run's fire, which is what keeps the engine from running it again.
	if d := diff(wantSA, mustGetSchedule(t, st, a, sa.ID)); d != "" {
		t.Errorf("schedule changed by pruning (-want +got):\n%s", d)
	}
	if d := diff(wantSB, mustGetSchedule(t, st, b, sb.ID)); d != "" {
		t.Errorf("schedule changed by pruning (-want +got):\n%s", d)
	}
	if n := pruneAll(t, st, cut, 1000); n != 0 {
		t.Errorf("second PruneBefore deleted %d records, want 0", n)
	}
	// The span reaching past the cutoff goes once its last fire is older.
	if n := pruneAll(t, st, young.Add(time.Microsecond), 1000); n < 3 {
		t.Errorf("PruneBefore(after the span) deleted %d records, want at least the span, the young fire and a run", n)
	}
	if occ := mustListOccurrences(t, st, a, sa.ID); len(occ) != 0 {
		t.Errorf("occurrences of %s left: %v", sa.ID, occ)
	}
}

// testPruneLimit checks that PruneBefore deletes at most limit records per
// call, runs and occurrences together, and nothing for limit <= 0.
func testPruneLimit(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	var occ []engine.Occurrence
	for i := range 5 {
		occ = append(occ, skippedAt(s, t0.Add(-time.Duration(i+1)*time.Hour)))
	}
	mustUpdateSchedule(t, st, s, occ...)
	for i := range 7 {
		mustCreateRun(t, st, endedRun(account, s.ID, t0.Add(-time.Duration(i+1)*time.Minute), engine.RunCompleted, t0.Add(-time.Second)))
	}
	for _, limit := range []int{0, -1} {
		if n, err := st.PruneBefore(t.Context(), t0, limit); n != 0 || err != nil {
			t.Errorf("PruneBefore(limit %d) = %d, %v; want 0, nil", limit, n, err)
		}
	}
	var got []int
	for range 6 {
		n, err := st.PruneBefore(t.Context(), t0, 3)
		if err != nil {
			t.Fatalf("PruneBefore: %v", err)
		}
		got = append(got, n)
	}
	if want := []int{3, 3, 3, 3, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("PruneBefore(limit 3) of 12 records deleted %v, want %v", got, want)
	}
	if runs := walkRuns(t, st, account, engine.RunFilter{}); len(runs) != 0 {
		t.Errorf("runs left: %v", runIDs(runs))
	}
	if occ := mustListOccurrences(t, st, account, s.ID); len(occ) != 0 {
		t.Errorf("occurrences left: %v", occ)
	}
}

// testPruneConcurrent checks that callers pruning at once (replicas
// sharing a store) delete each record once between them, and that a run
// requeued while it is being pruned is either requeued or deleted.
func testPruneConcurrent(t *testing.T, st engine.Store) {
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	const nRuns, nOcc = 60, 40
	var occ []engine.Occurrence
	for i := range nOcc {
		occ = append(occ, skippedAt(s, t0.Add(-time.Duration(i+1)*time.Minute)))
	}
	mustUpdateSchedule(t, st, s, occ...)
	var requeued []*engine.Run
	for i := range nRuns {
		r := endedRun(account, s.ID, t0.Add(-time.Duration(i+1)*time.Hour), engine.RunCompleted, t0.Add(-time.Duration(i+1)*time.Second))
		mustCreateRun(t, st, r)
		if i%10 == 0 {
			requeued = append(requeued, r)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total, requeuedOK := 0, map[string]bool{}
	for range 3 {
		wg.Go(func() {
			n := 0
			for {
				d, err := st.PruneBefore(context.Background(), t0, 7)
				if err != nil {
					t.Errorf("PruneBefore: %v", err)
					return
				}
				n += d
				if d == 0 {
					break
				}
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	for _, r := range requeued {
		wg.Go(func() {
			_, err := st.RequeueRun(context.Background(), account, r.ID, engine.Message{Role: "user", Content: "again"}, t0)
			switch {
			case err == nil:
				mu.Lock()
				requeuedOK[r.ID] = true
				mu.Unlock()
			case !errors.Is(err, engine.ErrNotFound):
				t.Errorf("RequeueRun during pruning: %v, want nil or ErrNotFound", err)
			}
		})
	}
	wg.Wait()
	if want := nRuns + nOcc - len(requeuedOK); total != want {
		t.Errorf("concurrent PruneBefore calls deleted %d records in all, want %d (%d requeued first)", total, want, len(requeuedOK))
	}
	left := walkRuns(t, st, account, engine.RunFilter{})
	for _, r := range left {
		if !requeuedOK[r.ID] || r.Status != engine.RunQueued {
			t.Errorf("run %s left as %s (requeued: %v)", r.ID, r.Status, requeuedOK[r.ID])
		}
	}
	if len(left) != len(requeuedOK) {
		t.Errorf("%d runs left, want the %d requeued", len(left), len(requeuedOK))
	}
}
