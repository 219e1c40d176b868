package enginetest

import (
	"slices"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// createdAt spreads n items over time with ties: items come in groups of
// three sharing a CreatedAt, so that the ID tie-break matters.
func createdAt(i int) time.Time { return t0.Add(time.Duration(i/3) * time.Second) }

func testListSchedulesPagination(t *testing.T, st engine.Store) {
	account, other := newID(), newID()
	var want []*engine.Schedule
	for i := range 23 {
		s := newSchedule(account)
		s.CreatedAt = createdAt(i)
		mustCreateSchedule(t, st, s)
		want = append(want, s)
		if i%5 == 0 {
			o := newSchedule(other)
			o.CreatedAt = createdAt(i)
			mustCreateSchedule(t, st, o)
		}
	}
	slices.SortFunc(want, schedulesNewestFirst)

	for _, limit := range []int{1, 2, 3, 5, 22, 23, 24, 0} {
		got := walkSchedules(t, st, account, limit)
		if d := diff(want, got); d != "" {
			t.Errorf("ListSchedules walked with limit %d (-want +got):\n%s", limit, d)
		}
	}

	// The last page, even when full, has no cursor.
	page, next, err := st.ListSchedules(t.Context(), account, engine.Page{Limit: 23})
	if err != nil || len(page) != 23 || next != "" {
		t.Errorf("ListSchedules(limit 23 of 23) = %d schedules, cursor %q, %v; want 23, no cursor", len(page), next, err)
	}
	page, next, err = st.ListSchedules(t.Context(), account, engine.Page{Limit: 10})
	if err != nil || len(page) != 10 || next == "" {
		t.Errorf("ListSchedules(limit 10 of 23) = %d schedules, cursor %q, %v; want 10 and a cursor", len(page), next, err)
	}
	if got := walkSchedules(t, st, newID(), 5); len(got) != 0 {
		t.Errorf("ListSchedules(account without schedules) = %v, want none", scheduleIDs(got))
	}
}

func testListRunsPagination(t *testing.T, st engine.Store) {
	account, other := newID(), newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	var want []*engine.Run
	for i := range 23 {
		scheduleID := ""
		if i%2 == 0 {
			scheduleID = s.ID
		}
		r := newRun(account, scheduleID, t0.Add(time.Duration(i)*time.Minute))
		r.CreatedAt = createdAt(i)
		mustCreateRun(t, st, r)
		want = append(want, r)
		if i%5 == 0 {
			o := newRun(other, "", t0)
			o.CreatedAt = createdAt(i)
			mustCreateRun(t, st, o)
		}
	}
	slices.SortFunc(want, runsNewestFirst)

	for _, limit := range []int{1, 2, 3, 5, 22, 23, 24, 0} {
		got := walkRuns(t, st, account, engine.RunFilter{Page: engine.Page{Limit: limit}})
		if d := diff(want, got); d != "" {
			t.Errorf("ListRuns walked with limit %d (-want +got):\n%s", limit, d)
		}
	}
	page, next, err := st.ListRuns(t.Context(), account, engine.RunFilter{Page: engine.Page{Limit: 23}})
	if err != nil || len(page) != 23 || next != "" {
		t.Errorf("ListRuns(limit 23 of 23) = %d runs, cursor %q, %v; want 23, no cursor", len(page), next, err)
	}
}

func testPageLimits(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	n := engine.MaxPageLimit + 1
	for i := range n {
		s := newSchedule(account)
		s.CreatedAt = t0.Add(time.Duration(i) * time.Millisecond)
		mustCreateSchedule(t, st, s)
		r := newRun(account, "", t0)
		r.CreatedAt = s.CreatedAt
		mustCreateRun(t, st, r)
	}
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero means the default", 0, engine.DefaultPageLimit},
		{"negative means the default", -3, engine.DefaultPageLimit},
		{"at most the maximum", engine.MaxPageLimit + 100, engine.MaxPageLimit},
		{"the maximum", engine.MaxPageLimit, engine.MaxPageLimit},
	}
	for _, tc := range tests {
		ss, next, err := st.ListSchedules(ctx, account, engine.Page{Limit: tc.limit})
		if err != nil || len(ss) != tc.want || next == "" {
			t.Errorf("%s: ListSchedules(limit %d) = %d schedules, cursor %q, %v; want %d and a cursor", tc.name, tc.limit, len(ss), next, err, tc.want)
		}
		rs, next, err := st.ListRuns(ctx, account, engine.RunFilter{Page: engine.Page{Limit: tc.limit}})
		if err != nil || len(rs) != tc.want || next == "" {
			t.Errorf("%s: ListRuns(limit %d) = %d runs, cursor %q, %v; want %d and a cursor", tc.name, tc.limit, len(rs), next, err, tc.want)
		}
	}
	if got := walkSchedules(t, st, account, engine.MaxPageLimit+100); len(got) != n {
		t.Errorf("ListSchedules walked = %d schedules, want %d", len(got), n)
	}
	if got := walkRuns(t, st, account, engine.RunFilter{Page: engine.Page{Limit: -1}}); len(got) != n {
		t.Errorf("ListRuns walked = %d runs, want %d", len(got), n)
	}
}

func testMalformedCursor(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	for i := range 3 {
		s := newSchedule(account)
		s.CreatedAt = createdAt(i)
		mustCreateSchedule(t, st, s)
		mustCreateRun(t, st, newRun(account, s.ID, t0))
	}
	for _, cursor := range []string{"!!!not-a-cursor!!!", "\xff\xfe\x00", "%%%", " "} {
		_, _, err := st.ListSchedules(ctx, account, engine.Page{Limit: 1, Cursor: cursor})
		wantErr(t, "ListSchedules(cursor "+cursor+")", err, engine.ErrInvalid)
		_, _, err = st.ListRuns(ctx, account, engine.RunFilter{Page: engine.Page{Limit: 1, Cursor: cursor}})
		wantErr(t, "ListRuns(cursor "+cursor+")", err, engine.ErrInvalid)
	}
}

func testListRunsFilters(t *testing.T, st engine.Store) {
	account := newID()
	s1, s2 := newSchedule(account), newSchedule(account)
	mustCreateSchedule(t, st, s1)
	mustCreateSchedule(t, st, s2)
	mk := func(i int, scheduleID string, status engine.RunStatus) *engine.Run {
		r := newRun(account, scheduleID, t0.Add(time.Duration(i)*time.Minute))
		r.CreatedAt = createdAt(i)
		r.Status = status
		switch status {
		case engine.RunInProgress:
			r.StartedAt, r.Attempt, r.LeaseOwner, r.LeaseExpiresAt = r.CreatedAt, 1, "worker-1", t0.Add(time.Hour)
		case engine.RunCompleted, engine.RunFailed:
			r.StartedAt, r.FinishedAt, r.Attempt = r.CreatedAt, r.CreatedAt.Add(time.Second), 1
		}
		mustCreateRun(t, st, r)
		return r
	}
	runs := []*engine.Run{
		mk(0, s1.ID, engine.RunCompleted),
		mk(1, s1.ID, engine.RunFailed),
		mk(2, s1.ID, engine.RunCompleted),
		mk(3, s1.ID, engine.RunQueued),
		mk(4, s2.ID, engine.RunCompleted),
		mk(5, s2.ID, engine.RunInProgress),
		mk(6, "", engine.RunCompleted),
		mk(7, "", engine.RunQueued),
	}
	pick := func(idx ...int) []*engine.Run {
		var out []*engine.Run
		for _, i := range idx {
			out = append(out, runs[i])
		}
		slices.SortFunc(out, runsNewestFirst)
		return out
	}
	tests := []struct {
		name string
		f    engine.RunFilter
		want []*engine.Run
	}{
		{"all", engine.RunFilter{}, pick(0, 1, 2, 3, 4, 5, 6, 7)},
		{"schedule", engine.RunFilter{ScheduleID: s1.ID}, pick(0, 1, 2, 3)},
		{"other schedule", engine.RunFilter{ScheduleID: s2.ID}, pick(4, 5)},
		{"unknown schedule", engine.RunFilter{ScheduleID: newID()}, nil},
		{"completed", engine.RunFilter{Status: engine.RunCompleted}, pick(0, 2, 4, 6)},
		{"queued", engine.RunFilter{Status: engine.RunQueued}, pick(3, 7)},
		{"in progress", engine.RunFilter{Status: engine.RunInProgress}, pick(5)},
		{"failed", engine.RunFilter{Status: engine.RunFailed}, pick(1)},
		{"schedule and status", engine.RunFilter{ScheduleID: s1.ID, Status: engine.RunCompleted}, pick(0, 2)},
		{"schedule and status, none", engine.RunFilter{ScheduleID: s2.ID, Status: engine.RunFailed}, nil},
	}
	for _, tc := range tests {
		for _, limit := range []int{0, 1, 3} {
			f := tc.f
			f.Limit = limit
			if d := diff(tc.want, walkRuns(t, st, account, f)); d != "" {
				t.Errorf("%s: ListRuns(%+v) walked (-want +got):\n%s", tc.name, f, d)
			}
		}
	}
}
