package enginetest

import (
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// spanWeek is how the engine records a week-long pause of an every-10-minutes
// schedule: one span of 1,008 fires.
const spanWeek = 7 * 24 * time.Hour

// pausedSpan returns a span of account's schedule id from first to through,
// standing for count fires, recorded at through plus 5 minutes.
func pausedSpan(account, id string, first, through time.Time, count int) engine.Occurrence {
	return engine.Occurrence{
		ScheduleID: id, AccountID: account, FireTime: first, Through: through, Count: count,
		Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: through.Add(5 * time.Minute),
	}
}

// testOccurrenceSpans checks spans (a paused week recorded as one
// occurrence): ListOccurrences returns a span whenever it overlaps the
// window, once, counting as one against the limit, and pages by LastFire
// return it once.
func testOccurrenceSpans(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)

	first := t0.Add(10 * time.Minute)
	through := first.Add(spanWeek - 10*time.Minute)
	before := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: t0, Outcome: engine.OutcomeDispatched, RunID: newID(), RecordedAt: t0}
	week := pausedSpan(account, s.ID, first, through, 1008)
	after1 := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: through.Add(10 * time.Minute), Outcome: engine.OutcomeDispatched, RunID: newID(), RecordedAt: through.Add(10 * time.Minute)}
	after2 := engine.Occurrence{ScheduleID: s.ID, AccountID: account, FireTime: through.Add(20 * time.Minute), Outcome: engine.OutcomeSkipped, Reason: engine.SkipOverlap, RecordedAt: through.Add(20 * time.Minute)}
	mustUpdateSchedule(t, st, s, after2, week, before, after1)

	// A second, shorter pause, recorded by a claim: a store keeps a span
	// whichever way it comes.
	hour := pausedSpan(account, s.ID, t0.Add(8*24*time.Hour), t0.Add(8*24*time.Hour+time.Hour), 7)
	n, err := st.ClaimDue(ctx, t0.Add(9*24*time.Hour), 10, func(d engine.Due) engine.Claim {
		return engine.Claim{Occurrences: []engine.Occurrence{hour}, NextRunAt: t0.Add(10 * 24 * time.Hour)}
	})
	if err != nil || n != 1 {
		t.Fatalf("ClaimDue recording a span = %d, %v; want 1", n, err)
	}
	all := []engine.Occurrence{before, week, after1, after2, hour}
	if d := diff(all, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Fatalf("occurrences as stored (-want +got):\n%s", d)
	}

	mid := first.Add(3*24*time.Hour + 2*time.Hour) // a paused fire
	us := time.Microsecond
	tests := []occWindow{
		{"the oldest paused fire", first, first.Add(time.Minute), 0, []engine.Occurrence{week}},
		{"a paused fire in the middle", mid, mid.Add(time.Minute), 0, []engine.Occurrence{week}},
		{"between two paused fires", mid.Add(us), mid.Add(10*time.Minute - us), 0, []engine.Occurrence{week}},
		{"the last paused fire", through, through.Add(us), 0, []engine.Occurrence{week}},
		{"to is exclusive", t0.Add(-time.Hour), first, 0, []engine.Occurrence{before}},
		{"just after the last paused fire", through.Add(us), through.Add(time.Hour), 0, []engine.Occurrence{after1, after2}},
		{"everything: each span once", t0.Add(-time.Hour), t0.Add(30 * 24 * time.Hour), 0, all},
		{"from inside one span to inside the next", mid, hour.FireTime.Add(time.Minute), 0, []engine.Occurrence{week, after1, after2, hour}},
		{"empty window inside a span", mid, mid, 0, nil},
		{"limit counts a span as one", mid, t0.Add(30 * 24 * time.Hour), 2, []engine.Occurrence{week, after1}},
		{"limit 1", mid, t0.Add(30 * 24 * time.Hour), 1, []engine.Occurrence{week}},
		{"limit 1 from the span's first fire", first, t0.Add(30 * 24 * time.Hour), 1, []engine.Occurrence{week}},
	}
	checkOccurrenceWindows(t, st, account, s.ID, tests)

	// Paging from just after each page's last fire returns everything
	// once, whatever the page size and wherever the walk starts.
	for _, limit := range []int{1, 2, 3} {
		for _, start := range []time.Time{t0.Add(-time.Hour), mid} {
			var got []engine.Occurrence
			from := start
			for page := 0; ; page++ {
				if page > 100 {
					t.Fatalf("paging (limit %d) never ends", limit)
				}
				occ, err := st.ListOccurrences(ctx, account, s.ID, from, t0.Add(30*24*time.Hour), limit)
				if err != nil {
					t.Fatalf("ListOccurrences(page %d): %v", page, err)
				}
				if len(occ) == 0 {
					break
				}
				got = append(got, occ...)
				from = occ[len(occ)-1].LastFire().Add(us)
			}
			want := all
			if start.Equal(mid) {
				want = all[1:]
			}
			if d := diff(want, got); d != "" {
				t.Errorf("pages of %d from %v (-want +got):\n%s", limit, start, d)
			}
		}
	}

	// A span is keyed by its first fire time: one recorded again, or one
	// whose first fire time is already recorded, is left as it was.
	s = mustGetSchedule(t, st, account, s.ID) // ClaimDue moved its Version on
	again := pausedSpan(account, s.ID, first, through.Add(time.Hour), 1014)
	clash := pausedSpan(account, s.ID, after1.FireTime, after1.FireTime.Add(time.Hour), 7)
	mustUpdateSchedule(t, st, s, again, clash)
	if d := diff(all, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrences after recording taken keys again (-want +got):\n%s", d)
	}

	// Tenant isolation: another account's schedule has its own spans and
	// cannot see or add to these.
	other := newID()
	theirSched := newSchedule(other)
	mustCreateSchedule(t, st, theirSched)
	theirs := pausedSpan(other, theirSched.ID, first, through, 1008)
	mustUpdateSchedule(t, st, theirSched, theirs)
	_, err = st.ListOccurrences(ctx, other, s.ID, mid, mid.Add(time.Minute), 0)
	wantErr(t, "ListOccurrences(other account, inside a span)", err, engine.ErrNotFound)
	hijack := mustGetSchedule(t, st, account, s.ID)
	hijack.AccountID = other
	wantErr(t, "UpdateSchedule(other account, a span)",
		st.UpdateSchedule(ctx, hijack, pausedSpan(other, s.ID, t0.Add(-24*time.Hour), t0.Add(-time.Hour), 138)), engine.ErrNotFound)
	if d := diff(all, mustListOccurrences(t, st, account, s.ID)); d != "" {
		t.Errorf("occurrences after another account's attempts (-want +got):\n%s", d)
	}
	got, err := st.ListOccurrences(ctx, other, theirSched.ID, mid, mid.Add(time.Minute), 0)
	if err != nil {
		t.Fatalf("ListOccurrences(other account's own schedule): %v", err)
	}
	if d := diff([]engine.Occurrence{theirs}, got); d != "" {
		t.Errorf("other account's span (-want +got):\n%s", d)
	}

	// Deleting the schedule deletes its spans: a schedule re-created with
	// the same id has none.
	if _, err := st.DeleteSchedule(ctx, account, s.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	again2 := newSchedule(account)
	again2.ID = s.ID
	mustCreateSchedule(t, st, again2)
	got, err = st.ListOccurrences(ctx, account, s.ID, mid, mid.Add(time.Minute), 0)
	if err != nil || len(got) != 0 {
		t.Errorf("ListOccurrences inside a deleted schedule's span = %+v, %v; want none", got, err)
	}
}
