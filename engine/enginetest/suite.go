// Package enginetest is the conformance suite every [engine.Store] must pass.
//
// A store package's test calls [TestStore] with a constructor that returns a
// fresh, empty store:
//
//	func TestStore(t *testing.T) {
//		enginetest.TestStore(t, func(t *testing.T) engine.Store { return memstore.New() })
//	}
//
// The suite checks only what the doc comments of [engine.Store] and its parts
// promise. Optional capabilities ([engine.KeyStore]) are exercised only when
// the store has them.
package enginetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/nlcron/nlcron/engine"
)

// TestStore runs the conformance suite against the stores newStore returns.
// Every behaviour is its own parallel subtest with its own store, so newStore
// must return an empty store that shares no data with the others (for
// example a new database or schema), and register its cleanup with t.Cleanup.
func TestStore(t *testing.T, newStore func(t *testing.T) engine.Store) {
	t.Helper()
	tests := []struct {
		name string
		test func(t *testing.T, st engine.Store)
	}{
		{"ScheduleCRUD", testScheduleCRUD},
		{"ScheduleNotRetained", testScheduleNotRetained},
		{"ScheduleNotFound", testScheduleNotFound},
		{"ScheduleConflict", testScheduleConflict},
		{"RunConflict", testRunConflict},
		{"TenantIsolation", testTenantIsolation},
		{"ListSchedulesPagination", testListSchedulesPagination},
		{"ListRunsPagination", testListRunsPagination},
		{"PageLimits", testPageLimits},
		{"MalformedCursor", testMalformedCursor},
		{"ListRunsFilters", testListRunsFilters},
		{"ClaimDueOrderAndLimit", testClaimDueOrderAndLimit},
		{"ClaimDueApplies", testClaimDueApplies},
		{"ClaimDueActiveRun", testClaimDueActiveRun},
		{"ClaimDueOccurrenceConflict", testClaimDueOccurrenceConflict},
		{"ClaimDueRunConflict", testClaimDueRunConflict},
		{"ClaimDueConcurrent", testClaimDueConcurrent},
		{"ClaimDueOncePerCall", testClaimDueOncePerCall},
		{"ClaimDueStopsAtConflict", testClaimDueStopsAtConflict},
		{"NextDue", testNextDue},
		{"UpdateScheduleOccurrences", testUpdateScheduleOccurrences},
		{"DeleteScheduleKeepsRuns", testDeleteScheduleKeepsRuns},
		{"ListOccurrences", testListOccurrences},
		{"OccurrenceSpans", testOccurrenceSpans},
		{"AcquireRunsOrder", testAcquireRunsOrder},
		{"AcquireRunsConcurrent", testAcquireRunsConcurrent},
		{"RunLifecycle", testRunLifecycle},
		{"ExpireLeases", testExpireLeases},
		{"LeasePastItsTime", testLeasePastItsTime},
		{"RequeueRun", testRequeueRun},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"VarsNilVersusEmpty", testVarsNilVersusEmpty},
		{"PruneBefore", testPruneBefore},
		{"PruneLimit", testPruneLimit},
		{"PruneConcurrent", testPruneConcurrent},
		{"ContextCancelled", testContextCancelled},
		{"KeyStore", testKeyStore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, newStore(t))
		})
	}
}

// t0 is the suite's reference instant: UTC, with microseconds.
var t0 = time.Date(2030, time.March, 9, 1, 2, 3, 456789000, time.UTC)

func newID() string { return uuid.NewString() }

// sortedIDs returns n fresh ids in ascending order.
func sortedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newID()
	}
	slices.Sort(ids)
	return ids
}

// newSchedule returns a valid, active schedule of account, due at t0+1h.
func newSchedule(account string) *engine.Schedule {
	return &engine.Schedule{
		ID:          newID(),
		AccountID:   account,
		ChatID:      newID(),
		Cadence:     "every day at 9am",
		Cron:        "0 9 * * *",
		Timezone:    "Europe/Berlin",
		Active:      true,
		Bundle:      "default",
		ToolhouseID: "default",
		Vars:        map[string]string{"name": "Ada", "lang": "en"},
		CallbackURL: "https://example.com/callback",
		CreatedAt:   t0,
		UpdatedAt:   t0,
		NextRunAt:   t0.Add(time.Hour),
		Version:     1,
	}
}

// newRun returns a queued run of account; scheduleID may be empty for a
// one-off run.
func newRun(account, scheduleID string, scheduledFor time.Time) *engine.Run {
	return &engine.Run{
		ID:           newID(),
		AccountID:    account,
		ChatID:       newID(),
		ScheduleID:   scheduleID,
		Status:       engine.RunQueued,
		Bundle:       "default",
		ToolhouseID:  "default",
		CallbackURL:  "https://example.com/callback",
		ScheduledFor: scheduledFor,
		CreatedAt:    scheduledFor,
		UpdatedAt:    scheduledFor,
	}
}

// cmpOpts compares domain values. Warnings are never stored, and nil and
// empty transcripts are equivalent; vars are compared strictly (nil means
// null).
var cmpOpts = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		if !ok {
			return false
		}
		switch sf.Name() {
		case "Warnings", "Results":
			return true
		}
		return false
	}, cmpopts.EquateEmpty()),
	equateEmpty[[]engine.Occurrence](),
	equateEmpty[[]*engine.Run](),
	equateEmpty[[]*engine.Schedule](),
	equateEmpty[[]string](),
}

// equateEmpty treats nil and empty values of the slice type S as equal.
func equateEmpty[S ~[]E, E any]() cmp.Option {
	return cmp.FilterValues(func(a, b S) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

func diff(want, got any) string { return cmp.Diff(want, got, cmpOpts) }

// stored returns s as a store gives it back: without warnings.
func stored(s *engine.Schedule) *engine.Schedule {
	c := s.Clone()
	c.Warnings = nil
	return c
}

func mustCreateSchedule(t *testing.T, st engine.Store, s *engine.Schedule) {
	t.Helper()
	if err := st.CreateSchedule(t.Context(), s); err != nil {
		t.Fatalf("CreateSchedule(%s): %v", s.ID, err)
	}
}

func mustCreateRun(t *testing.T, st engine.Store, r *engine.Run) {
	t.Helper()
	if err := st.CreateRun(t.Context(), r); err != nil {
		t.Fatalf("CreateRun(%s): %v", r.ID, err)
	}
}

func mustGetSchedule(t *testing.T, st engine.Store, account, id string) *engine.Schedule {
	t.Helper()
	s, err := st.GetSchedule(t.Context(), account, id)
	if err != nil {
		t.Fatalf("GetSchedule(%s): %v", id, err)
	}
	checkScheduleTimes(t, s)
	return s
}

func mustGetRun(t *testing.T, st engine.Store, account, id string) *engine.Run {
	t.Helper()
	r, err := st.GetRun(t.Context(), account, id)
	if err != nil {
		t.Fatalf("GetRun(%s): %v", id, err)
	}
	checkRunTimes(t, r)
	return r
}

func mustUpdateSchedule(t *testing.T, st engine.Store, s *engine.Schedule, record ...engine.Occurrence) {
	t.Helper()
	if err := st.UpdateSchedule(t.Context(), s, record...); err != nil {
		t.Fatalf("UpdateSchedule(%s): %v", s.ID, err)
	}
}

func mustListOccurrences(t *testing.T, st engine.Store, account, id string) []engine.Occurrence {
	t.Helper()
	occ, err := st.ListOccurrences(t.Context(), account, id, t0.AddDate(-10, 0, 0), t0.AddDate(10, 0, 0), 0)
	if err != nil {
		t.Fatalf("ListOccurrences(%s): %v", id, err)
	}
	for _, o := range occ {
		checkUTC(t, "Occurrence.FireTime", o.FireTime)
		checkUTC(t, "Occurrence.Through", o.Through)
		checkUTC(t, "Occurrence.RecordedAt", o.RecordedAt)
	}
	return occ
}

// occWindow is a ListOccurrences call and the occurrences it must return.
type occWindow struct {
	name     string
	from, to time.Time
	limit    int
	want     []engine.Occurrence
}

// checkOccurrenceWindows makes each call of tests on the schedule id.
func checkOccurrenceWindows(t *testing.T, st engine.Store, account, id string, tests []occWindow) {
	t.Helper()
	for _, tc := range tests {
		got, err := st.ListOccurrences(t.Context(), account, id, tc.from, tc.to, tc.limit)
		if err != nil {
			t.Errorf("%s: ListOccurrences: %v", tc.name, err)
			continue
		}
		if d := diff(tc.want, got); d != "" {
			t.Errorf("%s: ListOccurrences(%v, %v, %d) mismatch (-want +got):\n%s", tc.name, tc.from, tc.to, tc.limit, d)
		}
	}
}

// checkUTC reports a non-zero time whose location is not UTC.
func checkUTC(t *testing.T, name string, tm time.Time) {
	t.Helper()
	if !tm.IsZero() && tm.Location() != time.UTC {
		t.Errorf("%s = %v: location %v, want UTC", name, tm, tm.Location())
	}
}

func checkScheduleTimes(t *testing.T, s *engine.Schedule) {
	t.Helper()
	checkUTC(t, "Schedule.CreatedAt", s.CreatedAt)
	checkUTC(t, "Schedule.UpdatedAt", s.UpdatedAt)
	checkUTC(t, "Schedule.LastRunAt", s.LastRunAt)
	checkUTC(t, "Schedule.NextRunAt", s.NextRunAt)
	checkUTC(t, "Schedule.LastDispatchedAt", s.LastDispatchedAt)
	checkUTC(t, "Schedule.PausedAt", s.PausedAt)
}

func checkRunTimes(t *testing.T, r *engine.Run) {
	t.Helper()
	checkUTC(t, "Run.ScheduledFor", r.ScheduledFor)
	checkUTC(t, "Run.CreatedAt", r.CreatedAt)
	checkUTC(t, "Run.UpdatedAt", r.UpdatedAt)
	checkUTC(t, "Run.StartedAt", r.StartedAt)
	checkUTC(t, "Run.FinishedAt", r.FinishedAt)
	checkUTC(t, "Run.LeaseExpiresAt", r.LeaseExpiresAt)
}

// wantErr fails the test unless err matches target.
func wantErr(t *testing.T, op string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one matching %v", op, err, target)
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

// walkSchedules lists all of account's schedules page by page.
func walkSchedules(t *testing.T, st engine.Store, account string, limit int) []*engine.Schedule {
	t.Helper()
	var all []*engine.Schedule
	cursor := ""
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatal("ListSchedules: cursor never ends")
		}
		got, next, err := st.ListSchedules(t.Context(), account, engine.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListSchedules(limit %d, page %d): %v", limit, page, err)
		}
		if limit > 0 && len(got) > limit {
			t.Fatalf("ListSchedules(limit %d) returned %d", limit, len(got))
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		if len(got) == 0 {
			t.Fatalf("ListSchedules(limit %d, page %d): empty page with cursor %q", limit, page, next)
		}
		cursor = next
	}
}

// walkRuns lists all of account's runs matching f page by page.
func walkRuns(t *testing.T, st engine.Store, account string, f engine.RunFilter) []*engine.Run {
	t.Helper()
	var all []*engine.Run
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatal("ListRuns: cursor never ends")
		}
		got, next, err := st.ListRuns(t.Context(), account, f)
		if err != nil {
			t.Fatalf("ListRuns(%+v, page %d): %v", f, page, err)
		}
		if f.Limit > 0 && len(got) > f.Limit {
			t.Fatalf("ListRuns(limit %d) returned %d", f.Limit, len(got))
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		if len(got) == 0 {
			t.Fatalf("ListRuns(%+v, page %d): empty page with cursor %q", f, page, next)
		}
		f.Cursor = next
	}
}

func scheduleIDs(ss []*engine.Schedule) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func runIDs(rs []*engine.Run) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// newestFirst orders by CreatedAt then ID, both descending.
func newestFirst[T any](created func(T) time.Time, id func(T) string) func(a, b T) int {
	return func(a, b T) int {
		if c := created(b).Compare(created(a)); c != 0 {
			return c
		}
		return strings.Compare(id(b), id(a))
	}
}

var (
	schedulesNewestFirst = newestFirst(func(s *engine.Schedule) time.Time { return s.CreatedAt }, func(s *engine.Schedule) string { return s.ID })
	runsNewestFirst      = newestFirst(func(r *engine.Run) time.Time { return r.CreatedAt }, func(r *engine.Run) string { return r.ID })
)
