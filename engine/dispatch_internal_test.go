package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "time/tzdata"
)

// noStore satisfies Store for tests that never touch it.
type noStore struct{ Store }

func newTestEngine(t testing.TB, mod func(*Config)) *Engine {
	t.Helper()
	cfg := Config{
		Store:  noStore{},
		Runner: RunnerFunc(func(context.Context, *Run) (Result, error) { return Result{}, nil }),
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// claimSummary is a Claim without its random ids, for diffs.
type claimSummary struct {
	Occurrences      []string // "15:04 dispatched", "15:04 skipped/overlap"
	Run              string   // ScheduledFor of the run, "" if none
	NextRunAt        string
	LastRunAt        string
	LastDispatchedAt string
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("01-02T15:04:05")
}

func summarize(t *testing.T, s *Schedule, c Claim) claimSummary {
	t.Helper()
	var out claimSummary
	for _, o := range c.Occurrences {
		if o.ScheduleID != s.ID || o.AccountID != s.AccountID || o.RecordedAt.IsZero() {
			t.Errorf("occurrence %+v does not name schedule %s of %s, or has no RecordedAt", o, s.ID, s.AccountID)
		}
		str := fmtTime(o.FireTime) + " " + string(o.Outcome)
		if o.Reason != "" {
			str += "/" + string(o.Reason)
		}
		out.Occurrences = append(out.Occurrences, str)
	}
	if len(out.Occurrences) > 6 { // long walks: first, last, count
		n := len(out.Occurrences)
		out.Occurrences = []string{out.Occurrences[0], fmt.Sprintf("... %d ...", n-2), out.Occurrences[n-1]}
	}
	if r := c.Run; r != nil {
		out.Run = fmtTime(r.ScheduledFor)
		want := Run{AccountID: s.AccountID, ChatID: s.ChatID, ScheduleID: s.ID, Status: RunQueued, Bundle: s.Bundle,
			ToolhouseID: s.ToolhouseID, CallbackURL: s.CallbackURL, Vars: s.Vars}
		got := Run{AccountID: r.AccountID, ChatID: r.ChatID, ScheduleID: r.ScheduleID, Status: r.Status, Bundle: r.Bundle,
			ToolhouseID: r.ToolhouseID, CallbackURL: r.CallbackURL, Vars: r.Vars}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("run does not inherit the schedule (-want +got):\n%s", diff)
		}
		if !isUUID(r.ID) || r.CreatedAt.IsZero() || !r.CreatedAt.Equal(r.UpdatedAt) {
			t.Errorf("run id %q, created %v, updated %v", r.ID, r.CreatedAt, r.UpdatedAt)
		}
	}
	out.NextRunAt = fmtTime(c.NextRunAt)
	out.LastRunAt = fmtTime(c.LastRunAt)
	out.LastDispatchedAt = fmtTime(c.LastDispatchedAt)
	return out
}

func TestDecide(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, h, m int) time.Time { return time.Date(2025, 1, day, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		cron      string
		zone      string
		next      time.Time // NextRunAt
		lastRun   time.Time
		lastDisp  time.Time
		now       time.Time
		activeRun bool
		cfg       func(*Config)
		want      claimSummary
	}{
		{
			name: "on time", cron: "0 * * * *", next: at(1, 1, 0), now: at(1, 1, 0).Add(300 * time.Millisecond),
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 dispatched"}, Run: "01-01T01:00:00",
				NextRunAt: "01-01T02:00:00", LastRunAt: "01-01T01:00:00", LastDispatchedAt: "01-01T01:00:00"},
		},
		{
			name: "overlap", cron: "0 * * * *", next: at(1, 1, 0), now: at(1, 1, 0), activeRun: true,
			lastRun: at(1, 0, 0), lastDisp: at(1, 0, 0),
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 skipped/overlap"},
				NextRunAt: "01-01T02:00:00", LastRunAt: "01-01T00:00:00", LastDispatchedAt: "01-01T00:00:00"},
		},
		{
			name: "overlap allowed", cron: "0 * * * *", next: at(1, 1, 0), now: at(1, 1, 0), activeRun: true,
			cfg: func(c *Config) { c.AllowOverlap = true },
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 dispatched"}, Run: "01-01T01:00:00",
				NextRunAt: "01-01T02:00:00", LastRunAt: "01-01T01:00:00", LastDispatchedAt: "01-01T01:00:00"},
		},
		{
			name: "catch-up runs the latest fire once", cron: "0 * * * *", next: at(1, 1, 0), now: at(1, 5, 30),
			want: claimSummary{Occurrences: []string{
				"01-01T01:00:00 skipped/missed", "01-01T02:00:00 skipped/missed", "01-01T03:00:00 skipped/missed",
				"01-01T04:00:00 skipped/missed", "01-01T05:00:00 dispatched"}, Run: "01-01T05:00:00",
				NextRunAt: "01-01T06:00:00", LastRunAt: "01-01T05:00:00", LastDispatchedAt: "01-01T05:30:00"},
		},
		{
			name: "latest fire beyond the catch-up window", cron: "0 1 * * *", next: at(1, 1, 0), now: at(1, 2, 30),
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 skipped/missed"}, NextRunAt: "01-02T01:00:00"},
		},
		{
			name: "catch-up window is configurable", cron: "0 1 * * *", next: at(1, 1, 0), now: at(1, 2, 30),
			cfg: func(c *Config) { c.CatchUpWindow = 2 * time.Hour },
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 dispatched"}, Run: "01-01T01:00:00",
				NextRunAt: "01-02T01:00:00", LastRunAt: "01-01T01:00:00", LastDispatchedAt: "01-01T02:30:00"},
		},
		{
			name: "min cadence clamps a 5-minute cron", cron: "*/5 * * * *", next: at(1, 1, 5), now: at(1, 1, 5),
			lastRun: at(1, 1, 0), lastDisp: at(1, 1, 0),
			want: claimSummary{Occurrences: []string{"01-01T01:05:00 skipped/min_cadence"},
				NextRunAt: "01-01T01:10:00", LastRunAt: "01-01T01:00:00", LastDispatchedAt: "01-01T01:00:00"},
		},
		{
			name: "min cadence allows exactly the minimum, dispatch jitter included", cron: "*/5 * * * *",
			next: at(1, 1, 10), now: at(1, 1, 10).Add(100 * time.Millisecond),
			lastRun: at(1, 1, 0), lastDisp: at(1, 1, 0).Add(900 * time.Millisecond),
			want: claimSummary{Occurrences: []string{"01-01T01:10:00 dispatched"}, Run: "01-01T01:10:00",
				NextRunAt: "01-01T01:15:00", LastRunAt: "01-01T01:10:00", LastDispatchedAt: "01-01T01:10:00"},
		},
		{
			name: "min cadence measures from a late dispatch", cron: "0 * * * *", next: at(1, 1, 0), now: at(1, 1, 0),
			lastRun: at(1, 0, 0), lastDisp: at(1, 0, 55),
			want: claimSummary{Occurrences: []string{"01-01T01:00:00 skipped/min_cadence"},
				NextRunAt: "01-01T02:00:00", LastRunAt: "01-01T00:00:00", LastDispatchedAt: "01-01T00:55:00"},
		},
		{
			name: "min cadence disabled", cron: "*/5 * * * *", next: at(1, 1, 5), now: at(1, 1, 5),
			lastRun: at(1, 1, 0), lastDisp: at(1, 1, 0), cfg: func(c *Config) { c.MinCadence = -1 },
			want: claimSummary{Occurrences: []string{"01-01T01:05:00 dispatched"}, Run: "01-01T01:05:00",
				NextRunAt: "01-01T01:10:00", LastRunAt: "01-01T01:05:00", LastDispatchedAt: "01-01T01:05:00"},
		},
		{
			// 02:30 does not exist on 2025-03-09 in New York: it fires at
			// 03:00 EDT (07:00Z), only 30 real minutes before 03:30 EDT.
			name: "DST shrinks the real gap below the minimum", cron: "30 2,3 * * *", zone: "America/New_York",
			next: time.Date(2025, 3, 9, 3, 30, 0, 0, ny), now: time.Date(2025, 3, 9, 3, 30, 0, 0, ny),
			lastRun: time.Date(2025, 3, 9, 3, 0, 0, 0, ny), lastDisp: time.Date(2025, 3, 9, 3, 0, 0, 0, ny),
			cfg: func(c *Config) { c.MinCadence = time.Hour },
			want: claimSummary{Occurrences: []string{"03-09T07:30:00 skipped/min_cadence"},
				NextRunAt: "03-10T06:30:00", LastRunAt: "03-09T07:00:00", LastDispatchedAt: "03-09T07:00:00"},
		},
		{
			name: "a long stall is handled in bounded claims", cron: "*/10 * * * *", next: at(1, 0, 10), now: at(31, 0, 0),
			want: claimSummary{Occurrences: []string{"01-01T00:10:00 skipped/missed", "... 998 ...", "01-07T22:40:00 skipped/missed"},
				NextRunAt: "01-07T22:50:00"},
		},
		{
			name: "fires at or before the last run are never dispatched again", cron: "0 * * * *",
			next: at(1, 1, 0), now: at(1, 2, 30), lastRun: at(1, 2, 0), lastDisp: at(1, 2, 0),
			want: claimSummary{NextRunAt: "01-01T03:00:00", LastRunAt: "01-01T02:00:00", LastDispatchedAt: "01-01T02:00:00"},
		},
		{
			// Retention may have pruned the records of 01:00..05:00 (the
			// store's unique rows are gone): LastRunAt alone keeps the
			// catch-up from recording or running any of them again.
			name: "catch-up over pruned fires up to the last run records and runs nothing", cron: "0 * * * *",
			next: at(1, 1, 0), now: at(1, 5, 30), lastRun: at(1, 5, 0), lastDisp: at(1, 5, 0),
			want: claimSummary{NextRunAt: "01-01T06:00:00", LastRunAt: "01-01T05:00:00", LastDispatchedAt: "01-01T05:00:00"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t, tc.cfg)
			s := &Schedule{
				ID: "s1", AccountID: "a1", ChatID: "c1", Cron: tc.cron, Timezone: tc.zone, Active: true,
				Bundle: "default", ToolhouseID: "th", Vars: map[string]string{"k": "v"}, CallbackURL: "https://example.com/cb",
				NextRunAt: tc.next.UTC(), LastRunAt: tc.lastRun.UTC(), LastDispatchedAt: tc.lastDisp.UTC(),
			}
			d := newDispatcher(e)
			d.now = tc.now.UTC()
			c := d.decide(Due{Schedule: s, ActiveRun: tc.activeRun})
			got := summarize(t, s, c)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decide mismatch (-want +got):\n%s", diff)
			}
			if len(c.Occurrences) > MaxFiresPerClaim {
				t.Errorf("claim handles %d fires, more than %d", len(c.Occurrences), MaxFiresPerClaim)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "1 minute"},
		{10 * time.Minute, "10 minutes"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{5 * time.Minute, "5 minutes"},
		{45 * time.Second, "45 seconds"},
		{90 * time.Second, "1 minute 30 seconds"},
		{time.Hour, "1 hour"},
		{24 * time.Hour, "1 day"},
		{25 * time.Hour, "1 day 1 hour"},
		{48 * time.Hour, "2 days"},
		{51 * time.Hour, "2 days 3 hours"},
		{7*24*time.Hour + 30*time.Second, "7 days 30 seconds"},
		{1500 * time.Millisecond, "1.5s"},
		{time.Millisecond, "1ms"},
		{0, "0s"},
		{-time.Minute, "-1m0s"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestLooksLikeCron(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"*/5 * * * *":                true,
		"0 9 * * mon-fri":            true,
		"@hourly":                    true,
		"5 minutes past every hour":  true, // falls back to the phrase parser
		"every weekday at 9am":       false,
		"every day at five pm today": false,
		"0 9 * *":                    false,
	} {
		if got := looksLikeCron(in); got != want {
			t.Errorf("looksLikeCron(%q) = %v, want %v", in, got, want)
		}
	}
}
