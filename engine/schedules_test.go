package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
)

func isNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }

// checkValidation fails unless err is a *ValidationError like want (Msg
// is compared only when want.Msg is set).
func checkValidation(t *testing.T, err error, want *engine.ValidationError) {
	t.Helper()
	var ve *engine.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a *ValidationError on %q", err, want.Field)
	}
	if !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("error %v does not match ErrInvalid", err)
	}
	got := engine.ValidationError{Field: ve.Field, Msg: ve.Msg}
	if want.Msg == "" {
		got.Msg = ""
	}
	if diff := cmp.Diff(*want, got, cmpopts.IgnoreFields(engine.ValidationError{}, "Err")); diff != "" {
		t.Errorf("validation error mismatch (-want +got):\n%s", diff)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	nop := engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) { return engine.Result{}, nil })
	tests := []struct {
		name string
		cfg  engine.Config
	}{
		{"no store", engine.Config{Runner: nop}},
		{"no runner", engine.Config{Store: st}},
		{"negative run timeout", engine.Config{Store: st, Runner: nop, RunTimeout: -1}},
		{"negative lease", engine.Config{Store: st, Runner: nop, LeaseDuration: -time.Second}},
		{"negative poll interval", engine.Config{Store: st, Runner: nop, PollInterval: -time.Second}},
		{"negative catch-up window", engine.Config{Store: st, Runner: nop, CatchUpWindow: -time.Second}},
		{"negative concurrency", engine.Config{Store: st, Runner: nop, MaxConcurrentRuns: -1}},
		{"unknown policy", engine.Config{Store: st, Runner: nop, CadencePolicy: "squash"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := engine.New(tc.cfg); !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("New: %v, want an error matching ErrInvalid", err)
			}
		})
	}
	if _, err := engine.New(engine.Config{Store: st, Runner: nop}); err != nil {
		t.Errorf("New with defaults: %v", err)
	}
}

func TestParseCadencePolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want engine.CadencePolicy
		ok   bool
	}{
		{"clamp", engine.CadenceClamp, true},
		{"reject", engine.CadenceReject, true},
		{" Reject ", engine.CadenceReject, true},
		{"", "", false},
		{"squash", "", false},
	} {
		got, err := engine.ParseCadencePolicy(tc.in)
		if got != tc.want || (err == nil) != tc.ok || (err != nil && !errors.Is(err, engine.ErrInvalid)) {
			t.Errorf("ParseCadencePolicy(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCreateScheduleDefaults(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		time.Sleep(90 * time.Second)
		s, err := e.CreateSchedule(t.Context(), acct, engine.ScheduleInput{
			ChatID:  strings.ToUpper(chat),
			Cadence: "  0 9 * * mon-fri ",
			Bundle:  "Research",
			Vars:    map[string]string{"city": "Paris"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := &engine.Schedule{
			ID: s.ID, AccountID: acct, ChatID: chat, Cadence: "0 9 * * mon-fri", Cron: "0 9 * * 1-5", Timezone: "UTC",
			Active: true, Bundle: "research", ToolhouseID: "default", Vars: map[string]string{"city": "Paris"},
			CreatedAt: b.now(), UpdatedAt: b.now(), NextRunAt: time.Date(2000, 1, 3, 9, 0, 0, 0, time.UTC), Version: 1,
		}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("created schedule mismatch (-want +got):\n%s", diff)
		}
		got, err := e.GetSchedule(t.Context(), acct, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored schedule mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("schedule created", map[string]string{"schedule_id": s.ID, "cron": "0 9 * * 1-5"})); n != 1 {
			t.Errorf("%d \"schedule created\" records, want 1", n)
		}
	})
}

func TestCreateScheduleValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("b", engine.MaxBundleLen+1)
	tests := []struct {
		name string
		in   engine.ScheduleInput
		want engine.ValidationError
	}{
		{"no chat", engine.ScheduleInput{Cadence: "0 * * * *"}, engine.ValidationError{Field: "chat_id", Msg: "is required"}},
		{"chat not a uuid", engine.ScheduleInput{ChatID: "agent-7", Cadence: "0 * * * *"}, engine.ValidationError{Field: "chat_id", Msg: `"agent-7" is not a UUID`}},
		{"no cadence", engine.ScheduleInput{ChatID: chat, Cadence: "  "}, engine.ValidationError{Field: "cadence", Msg: "is required"}},
		{"bad cron", engine.ScheduleInput{ChatID: chat, Cadence: "61 * * * *"}, engine.ValidationError{Field: "cadence"}},
		{"never fires", engine.ScheduleInput{ChatID: chat, Cadence: "0 0 30 2 *"}, engine.ValidationError{Field: "cadence"}},
		{"gibberish", engine.ScheduleInput{ChatID: chat, Cadence: "whenever you like"}, engine.ValidationError{Field: "cadence"}},
		{"too long", engine.ScheduleInput{ChatID: chat, Cadence: strings.Repeat("every day ", 30)}, engine.ValidationError{Field: "cadence", Msg: "is longer than 256 characters"}},
		{"unknown zone", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", Timezone: "Mars/Olympus"}, engine.ValidationError{Field: "timezone", Msg: `unknown time zone "Mars/Olympus"`}},
		{"local zone", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", Timezone: "Local"}, engine.ValidationError{Field: "timezone"}},
		{"bundle too long", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", Bundle: long}, engine.ValidationError{Field: "bundle", Msg: "is longer than 128 characters"}},
		{"callback not http", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", CallbackURL: "ftp://example.com/x"}, engine.ValidationError{Field: "callback_url", Msg: "must be an http or https URL"}},
		{"callback without host", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", CallbackURL: "https:///x"}, engine.ValidationError{Field: "callback_url", Msg: "has no host"}},
		{"empty var name", engine.ScheduleInput{ChatID: chat, Cadence: "0 * * * *", Vars: map[string]string{"": "x"}}, engine.ValidationError{Field: "vars", Msg: "has an empty key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, _ := setup(t, nil)
				_, err := e.CreateSchedule(t.Context(), acct, tc.in)
				checkValidation(t, err, &tc.want)
			})
		})
	}
}

// Cadences written in English are parsed by nlcron; the zone a phrase names
// becomes the schedule's zone.
func TestCreateSchedulePhrase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cadence, zone string
		wantCron, wantZone  string
		wantWarnings        []string
		wantErr             string // field of the expected validation error
	}{
		{name: "weekdays", cadence: "every weekday at 9am", wantCron: "0 9 * * 1-5", wantZone: "UTC"},
		{name: "zone in phrase", cadence: "sundays at 5pm America/New_York", wantCron: "0 17 * * 0", wantZone: "America/New_York"},
		{name: "zone given", cadence: "every day at 9:30", zone: "Europe/London", wantCron: "30 9 * * *", wantZone: "Europe/London"},
		{name: "same zone twice", cadence: "sundays at 5pm America/New_York", zone: "America/New_York", wantCron: "0 17 * * 0", wantZone: "America/New_York"},
		{name: "zones conflict", cadence: "sundays at 5pm America/New_York", zone: "Europe/London", wantErr: "timezone"},
		{name: "not a schedule", cadence: "every blue moon", wantErr: "cadence"},
		{name: "clamped phrase", cadence: "every 5 minutes", wantCron: "*/5 * * * *", wantZone: "UTC", wantWarnings: []string{
			"cadence fires as often as every 5 minutes, more often than the minimum of every 10 minutes: it will run at most every 10 minutes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, _ := setup(t, nil)
				s, err := e.CreateSchedule(t.Context(), acct, engine.ScheduleInput{ChatID: chat, Cadence: tc.cadence, Timezone: tc.zone})
				if tc.wantErr != "" {
					checkValidation(t, err, &engine.ValidationError{Field: tc.wantErr})
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if s.Cron != tc.wantCron || s.Timezone != tc.wantZone || s.Cadence != tc.cadence {
					t.Errorf("cadence %q cron %q zone %q; want %q %q %q", s.Cadence, s.Cron, s.Timezone, tc.cadence, tc.wantCron, tc.wantZone)
				}
				if diff := cmp.Diff(tc.wantWarnings, s.Warnings); diff != "" {
					t.Errorf("warnings mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestSchedulesAreTenantScoped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *")
		ctx := t.Context()
		_, err := e.GetSchedule(ctx, other, s.ID)
		if !isNotFound(err) {
			t.Errorf("GetSchedule: %v", err)
		}
		if _, err := e.UpdateSchedule(ctx, other, s.ID, engine.ScheduleUpdate{Active: ptr(false)}); !isNotFound(err) {
			t.Errorf("UpdateSchedule: %v", err)
		}
		if _, err := e.DeleteSchedule(ctx, other, s.ID); !isNotFound(err) {
			t.Errorf("DeleteSchedule: %v", err)
		}
		if _, err := e.Occurrences(ctx, other, s.ID, epoch, epoch.Add(time.Hour), 0); !isNotFound(err) {
			t.Errorf("Occurrences: %v", err)
		}
		list, _, err := e.ListSchedules(ctx, other, engine.Page{})
		if err != nil || len(list) != 0 {
			t.Errorf("ListSchedules of another account = %d schedules, %v", len(list), err)
		}
	})
}

func TestListSchedulesPages(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		var want []string
		for range 5 {
			s := mustCreate(t, e, "0 * * * *")
			want = append([]string{s.ID}, want...) // newest first
			time.Sleep(time.Second)
		}
		var got []string
		p := engine.Page{Limit: 2}
		for {
			page, next, err := e.ListSchedules(t.Context(), acct, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				got = append(got, s.ID)
			}
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages mismatch (-want +got):\n%s", diff)
		}
		if _, _, err := e.ListSchedules(t.Context(), acct, engine.Page{Cursor: "%%%"}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("malformed cursor: %v, want ErrInvalid", err)
		}
	})
}

// Pause: the in-flight run finishes, no new runs. Resume: the next fire is
// the next one after resuming; the paused period is recorded, not replayed.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		s := mustCreate(t, e, "0 * * * *")
		start(t, e)
		sleep(time.Hour) // 01:00 is running

		p, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Active || !p.NextRunAt.IsZero() || hm(p.PausedAt) != "01:00" || p.Version != s.Version+2 {
			t.Errorf("paused: active %v next %v paused at %v version %d", p.Active, p.NextRunAt, p.PausedAt, p.Version)
		}
		if up := e.Upcoming(p, 3); up != nil {
			t.Errorf("Upcoming of a paused schedule = %v, want none", up)
		}
		sleep(5 * time.Minute)
		close(release) // the in-flight run finishes
		sleep(2*time.Hour + 25*time.Minute)
		if diff := cmp.Diff([]string{"01:00 completed"}, runsOf(t, e, acct, s.ID)); diff != "" {
			t.Errorf("runs while paused mismatch (-want +got):\n%s", diff)
		}

		r, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(true)}) // 03:30
		if err != nil {
			t.Fatal(err)
		}
		if !r.Active || hm(r.NextRunAt) != "04:00" || !r.PausedAt.IsZero() {
			t.Errorf("resumed: active %v next %v paused at %v", r.Active, r.NextRunAt, r.PausedAt)
		}
		sleep(time.Hour)
		want := []string{"01:00 dispatched", "02:00..03:00 x2 skipped/paused", "04:00 dispatched", "05:00 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(5*time.Hour+time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("schedule paused", map[string]string{"schedule_id": s.ID})); n != 1 {
			t.Errorf("%d \"schedule paused\" records", n)
		}
		if n := len(b.logs.find("schedule resumed", map[string]string{"schedule_id": s.ID, "paused_fires": "2", "first": "02:00", "last": "03:00", "next_run_at": "04:00"})); n != 1 {
			t.Errorf("%d \"schedule resumed\" records", n)
		}
		b.obs.mu.Lock()
		if b.obs.skipped[engine.SkipPaused] != 2 {
			t.Errorf("observer skipped %v, want 2 paused", b.obs.skipped)
		}
		b.obs.mu.Unlock()
	})
}

// Every fire of a long pause is answerable: a week of every-10-minutes
// fires is one span, returned for any window that overlaps it, once.
func TestResumeRecordsTheWholePause(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		s := mustCreate(t, e, "*/10 * * * *")
		start(t, e)
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		sleep(7*24*time.Hour + 5*time.Minute) // 2000-01-08 00:05
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		sleep(10 * time.Minute) // 00:10 runs
		span := "00:10..2000-01-08 00:00 x1008 skipped/paused"
		day := func(d, h, m int) time.Time { return time.Date(2000, 1, d, h, m, 0, 0, time.UTC) }
		tests := []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"the oldest fire", day(1, 0, 10), day(1, 0, 11), []string{span}},
			{"why did 02:00 on day 4 not run", day(4, 2, 0), day(4, 2, 1), []string{span}},
			{"between two paused fires", day(4, 2, 1), day(4, 2, 9), []string{span}},
			{"the last fire", day(8, 0, 0), day(8, 0, 1), []string{span}},
			{"before the pause", day(1, 0, 0), day(1, 0, 10), nil},
			{"from the middle of the pause on", day(5, 0, 0), day(8, 0, 31),
				[]string{span, "2000-01-08 00:10 dispatched", "2000-01-08 00:20 scheduled", "2000-01-08 00:30 scheduled"}},
		}
		for _, tc := range tests {
			if diff := cmp.Diff(tc.want, occurrences(t, e, s, tc.from, tc.to)); diff != "" {
				t.Errorf("%s: occurrences mismatch (-want +got):\n%s", tc.name, diff)
			}
		}

		// Paging by LastFire returns the span once.
		var pages [][]string
		for from := epoch; len(pages) < 10; {
			occ, err := e.Occurrences(t.Context(), acct, s.ID, from, day(8, 0, 31), 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(occ) == 0 {
				break
			}
			pages = append(pages, fmtOccurrences(occ))
			from = occ[len(occ)-1].LastFire().Add(time.Microsecond)
		}
		wantPages := [][]string{{span}, {"2000-01-08 00:10 dispatched"}, {"2000-01-08 00:20 scheduled"}, {"2000-01-08 00:30 scheduled"}}
		if diff := cmp.Diff(wantPages, pages); diff != "" {
			t.Errorf("pages mismatch (-want +got):\n%s", diff)
		}

		// The metrics count every paused fire.
		b.obs.mu.Lock()
		if n := b.obs.skipped[engine.SkipPaused]; n != 1008 {
			t.Errorf("observer counted %d paused fires, want 1008", n)
		}
		b.obs.mu.Unlock()
	})
}

// A cadence change while paused closes the span of the old cadence: each
// span counts the fires of the cadence in force while they passed.
func TestChangeCadenceWhilePaused(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *")
		start(t, e)
		sleep(time.Hour + time.Minute) // 01:00 runs
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		sleep(3 * time.Hour) // 04:01: 02:00, 03:00, 04:00 paused
		u, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("*/20 * * * *")})
		if err != nil {
			t.Fatal(err)
		}
		if u.Active || hm(u.PausedAt) != "04:01" || !u.NextRunAt.IsZero() {
			t.Errorf("after the change: active %v paused at %s next %s", u.Active, hm(u.PausedAt), hm(u.NextRunAt))
		}
		sleep(time.Hour) // 05:01: 04:20, 04:40, 05:00 paused
		// Another change that does not touch the cadence keeps the span open.
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Bundle: ptr("other")}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		sleep(20 * time.Minute) // 05:20 runs
		want := []string{"01:00 dispatched", "02:00..04:00 x3 skipped/paused", "04:20..05:00 x3 skipped/paused", "05:20 dispatched", "05:40 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(5*time.Hour+41*time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("schedule cadence changed", map[string]string{"schedule_id": s.ID, "paused_fires": "3", "first": "02:00", "last": "04:00"})); n != 1 {
			t.Errorf("%d \"schedule cadence changed\" records naming the paused span", n)
		}
	})
}

// Delete: the in-flight run finishes, no new runs, its runs are kept.
func TestDeleteSchedule(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		s := mustCreate(t, e, "0 * * * *")
		start(t, e)
		sleep(time.Hour)
		d, err := e.DeleteSchedule(t.Context(), acct, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != s.ID || hm(d.NextRunAt) != "02:00" {
			t.Errorf("deleted %s next %v", d.ID, d.NextRunAt)
		}
		close(release)
		sleep(3 * time.Hour)
		if diff := cmp.Diff([]string{"01:00 completed"}, runsOf(t, e, acct, s.ID)); diff != "" {
			t.Errorf("runs mismatch (-want +got):\n%s", diff)
		}
		if _, err := e.GetSchedule(t.Context(), acct, s.ID); !isNotFound(err) {
			t.Errorf("GetSchedule after delete: %v", err)
		}
		if _, err := e.DeleteSchedule(t.Context(), acct, s.ID); !isNotFound(err) {
			t.Errorf("second DeleteSchedule: %v", err)
		}
	})
}

// A cadence change takes effect from now; the in-flight run is untouched,
// and a fire due in the next instant is not lost.
func TestChangeCadence(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		s := mustCreate(t, e, "0 * * * *")
		start(t, e)
		sleep(time.Hour) // 01:00 is running

		u, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("30 * * * *")})
		if err != nil {
			t.Fatal(err)
		}
		if u.Cron != "30 * * * *" || hm(u.NextRunAt) != "01:30" {
			t.Errorf("after change: cron %q next %s", u.Cron, hm(u.NextRunAt))
		}
		run := b.runner.snapshot()[0]
		if got, _ := e.GetRun(t.Context(), acct, run.ID); got.Status != engine.RunInProgress {
			t.Errorf("in-flight run is %s, want in_progress", got.Status)
		}
		sleep(5 * time.Minute)
		close(release)
		sleep(25*time.Minute + 29*time.Minute + 59*time.Second) // 01:59:59

		// Half a second before 02:00, switch to every two hours: 02:00
		// is the very next fire and must run.
		time.Sleep(500 * time.Millisecond)
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("0 */2 * * *")}); err != nil {
			t.Fatal(err)
		}
		sleep(time.Second)
		want := []string{"01:00 dispatched", "01:30 dispatched", "02:00 dispatched", "04:00 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(4*time.Hour+time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"01:00 completed", "01:30 completed", "02:00 completed"}, runsOf(t, e, acct, s.ID)); diff != "" {
			t.Errorf("runs mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("schedule cadence changed", map[string]string{"schedule_id": s.ID, "cron": "0 */2 * * *"})); n != 1 {
			t.Errorf("%d \"schedule cadence changed\" records", n)
		}
	})
}

// A fire of the old cadence that is due but not yet dispatched when the
// cadence changes is still handled.
func TestChangeCadenceKeepsADueFire(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *")
		time.Sleep(time.Hour + 2*time.Second) // 01:00 is due; no engine yet
		u, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("15 * * * *")})
		if err != nil {
			t.Fatal(err)
		}
		if hm(u.NextRunAt) != "01:00" {
			t.Errorf("NextRunAt %s, want the due 01:00", hm(u.NextRunAt))
		}
		start(t, e)
		sleep(20 * time.Minute)
		want := []string{"01:00 dispatched", "01:15 dispatched", "02:15 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(2*time.Hour+20*time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestUpdateScheduleFields(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *", func(in *engine.ScheduleInput) {
			in.CallbackURL = "https://example.com/cb"
			in.Vars = map[string]string{"a": "1"}
		})
		time.Sleep(time.Minute)
		u, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{
			ChatID: ptr(chat2), Bundle: ptr("WEB"), ToolhouseID: ptr("user-9"),
			CallbackURL: ptr(""), Vars: ptr(map[string]string(nil)), Timezone: ptr("Asia/Kolkata"),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := s.Clone()
		want.ChatID, want.Bundle, want.ToolhouseID, want.CallbackURL, want.Vars = chat2, "web", "user-9", "", nil
		want.Timezone = "Asia/Kolkata"
		want.NextRunAt = time.Date(2000, 1, 1, 0, 30, 0, 0, time.UTC) // 06:00 IST
		want.UpdatedAt = epoch.Add(time.Minute)
		want.Version = 2
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("updated schedule mismatch (-want +got):\n%s", diff)
		}
		_, err = e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{ChatID: ptr("nope")})
		checkValidation(t, err, &engine.ValidationError{Field: "chat_id"})
		_, err = e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("99 * * * *")})
		checkValidation(t, err, &engine.ValidationError{Field: "cadence"})
	})
}

// conflictStore makes the first n UpdateSchedule calls lose the race.
type conflictStore struct {
	*memstore.Store
	n int
}

func (c *conflictStore) UpdateSchedule(ctx context.Context, s *engine.Schedule, occ ...engine.Occurrence) error {
	if c.n > 0 {
		c.n--
		// Another writer got there first.
		cur, err := c.Store.GetSchedule(ctx, s.AccountID, s.ID)
		if err != nil {
			return err
		}
		if err := c.Store.UpdateSchedule(ctx, cur); err != nil {
			return err
		}
		return c.Store.UpdateSchedule(ctx, s, occ...)
	}
	return c.Store.UpdateSchedule(ctx, s, occ...)
}

func TestUpdateScheduleRetriesConflicts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		conflicts int
		ok        bool
	}{{0, true}, {4, true}, {5, false}} {
		synctest.Test(t, func(t *testing.T) {
			cs := &conflictStore{Store: memstore.New()}
			e, _ := setup(t, func(c *engine.Config) { c.Store = cs })
			s := mustCreate(t, e, "0 * * * *")
			cs.n = tc.conflicts
			u, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Bundle: ptr("b2")})
			switch {
			case tc.ok && err != nil:
				t.Errorf("%d conflicts: %v", tc.conflicts, err)
			case tc.ok && (u.Bundle != "b2" || u.Version != int64(tc.conflicts)+2):
				t.Errorf("%d conflicts: bundle %q version %d", tc.conflicts, u.Bundle, u.Version)
			case !tc.ok && !errors.Is(err, engine.ErrConflict):
				t.Errorf("%d conflicts: %v, want ErrConflict", tc.conflicts, err)
			}
		})
	}
}

func TestUpcomingAndOccurrences(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "0 9 * * 1-5") // 2000-01-01 is a Saturday
		var got []string
		for _, u := range e.Upcoming(s, 3) {
			got = append(got, hm(u))
		}
		if diff := cmp.Diff([]string{"2000-01-03 09:00", "2000-01-04 09:00", "2000-01-05 09:00"}, got); diff != "" {
			t.Errorf("Upcoming mismatch (-want +got):\n%s", diff)
		}
		if u := e.Upcoming(s, 0); u != nil {
			t.Errorf("Upcoming(0) = %v", u)
		}
		if n := len(e.Upcoming(s, 1_000_000)); n != engine.MaxUpcoming {
			t.Errorf("Upcoming(1e6) gave %d, want %d", n, engine.MaxUpcoming)
		}
		// A schedule not stored yet counts from now.
		fresh := &engine.Schedule{Cron: "*/30 * * * *", Timezone: "UTC", Active: true}
		if got := e.Upcoming(fresh, 1); len(got) != 1 || hm(got[0]) != "00:30" {
			t.Errorf("Upcoming of an unsaved schedule = %v", got)
		}

		occ := occurrences(t, e, s, time.Date(2000, 1, 4, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 10, 0, 0, 0, 0, time.UTC))
		want := []string{"2000-01-04 09:00 scheduled", "2000-01-05 09:00 scheduled", "2000-01-06 09:00 scheduled", "2000-01-07 09:00 scheduled"}
		if diff := cmp.Diff(want, occ); diff != "" {
			t.Errorf("Occurrences mismatch (-want +got):\n%s", diff)
		}
		limited, err := e.Occurrences(t.Context(), acct, s.ID, epoch, time.Time{}, 2)
		if err != nil || len(limited) != 2 {
			t.Errorf("Occurrences with limit 2 and no end: %d, %v", len(limited), err)
		}
		_, err = e.Occurrences(t.Context(), acct, s.ID, epoch, epoch.Add(-time.Hour), 0)
		checkValidation(t, err, &engine.ValidationError{Field: "to", Msg: "is before from"})
	})
}
