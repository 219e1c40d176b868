package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/engine"
)

// Each firing of an active schedule becomes exactly one run, executed and
// recorded, with a log record and metrics for each decision.
func TestDispatchEachFireOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *", func(in *engine.ScheduleInput) {
			in.Vars = map[string]string{"name": "Ada"}
			in.CallbackURL = "https://example.com/cb"
		})
		if got, want := hm(s.NextRunAt), "01:00"; got != want {
			t.Errorf("NextRunAt = %s, want %s", got, want)
		}
		start(t, e)
		sleep(3*time.Hour + 30*time.Minute)

		if diff := cmp.Diff([]string{"01:00", "02:00", "03:00"}, b.runner.scheduled()); diff != "" {
			t.Errorf("runner calls mismatch (-want +got):\n%s", diff)
		}
		want := []string{"01:00 completed", "02:00 completed", "03:00 completed"}
		if diff := cmp.Diff(want, runsOf(t, e, acct, s.ID)); diff != "" {
			t.Errorf("runs mismatch (-want +got):\n%s", diff)
		}
		wantOcc := []string{"01:00 dispatched", "02:00 dispatched", "03:00 dispatched", "04:00 scheduled", "05:00 scheduled"}
		if diff := cmp.Diff(wantOcc, occurrences(t, e, s, epoch, epoch.Add(5*time.Hour+time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}

		// The run inherits the schedule and carries the runner's transcript.
		r := b.runner.snapshot()[0]
		if r.ScheduleID != s.ID || r.ChatID != chat || r.Vars["name"] != "Ada" || r.CallbackURL != "https://example.com/cb" ||
			r.Status != engine.RunInProgress || r.Attempt != 1 || r.LeaseOwner != "worker-1" {
			t.Errorf("runner got %+v", r)
		}
		got, err := e.GetRun(t.Context(), acct, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastAgentMessage != "done" || len(got.Results) != 1 || got.Results[0].Content != "done "+s.ID+"@2000-01-01T01:00:00Z" ||
			got.StartedAt.IsZero() || got.FinishedAt.IsZero() {
			t.Errorf("stored run %+v", got)
		}
		if _, err := e.GetRun(t.Context(), other, r.ID); !isNotFound(err) {
			t.Errorf("GetRun by another account: %v, want ErrNotFound", err)
		}

		s2, err := e.GetSchedule(t.Context(), acct, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if hm(s2.LastRunAt) != "03:00" || hm(s2.NextRunAt) != "04:00" || hm(s2.LastDispatchedAt) != "03:00" {
			t.Errorf("schedule last %s next %s dispatched %s", hm(s2.LastRunAt), hm(s2.NextRunAt), hm(s2.LastDispatchedAt))
		}

		// Observability: one "fire dispatched" and one "run finished"
		// record per fire, and the metrics hook saw them.
		if n := len(b.logs.find("fire dispatched", map[string]string{"schedule_id": s.ID, "lag": "0s"})); n != 3 {
			t.Errorf("%d \"fire dispatched\" records, want 3", n)
		}
		if n := len(b.logs.find("run finished", map[string]string{"schedule_id": s.ID, "status": "completed"})); n != 3 {
			t.Errorf("%d \"run finished\" records, want 3", n)
		}
		b.obs.mu.Lock()
		if len(b.obs.lags) != 3 || b.obs.finished[engine.RunCompleted] != 3 {
			t.Errorf("observer lags %v finished %v", b.obs.lags, b.obs.finished)
		}
		b.obs.mu.Unlock()
		if n := len(b.finished); n != 3 {
			t.Errorf("OnRunFinished called %d times, want 3", n)
		}
	})
}

// A fire while the schedule's previous run is still queued or in progress
// is skipped as overlap, unless overlap is allowed.
func TestOverlap(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow=%v", allow), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, b := setup(t, func(c *engine.Config) { c.AllowOverlap = allow; c.RunTimeout = 3 * time.Hour })
				// Each run takes 90 minutes.
				b.runner.setFn(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
					time.Sleep(90 * time.Minute)
					return engine.Result{}, nil
				})
				s := mustCreate(t, e, "0 * * * *")
				start(t, e)
				sleep(4*time.Hour + 30*time.Minute)

				want := []string{"01:00 dispatched", "02:00 skipped/overlap", "03:00 dispatched", "04:00 skipped/overlap"}
				wantRuns := []string{"01:00 completed", "03:00 completed"}
				if allow {
					want = []string{"01:00 dispatched", "02:00 dispatched", "03:00 dispatched", "04:00 dispatched"}
					wantRuns = []string{"01:00 completed", "02:00 completed", "03:00 completed", "04:00 in_progress"}
				}
				if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(4*time.Hour+time.Minute))); diff != "" {
					t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantRuns, runsOf(t, e, acct, s.ID)); diff != "" {
					t.Errorf("runs mismatch (-want +got):\n%s", diff)
				}
				if !allow {
					if n := len(b.logs.find("fire skipped", map[string]string{"reason": "overlap", "fire_time": "02:00"})); n != 1 {
						t.Errorf("%d \"fire skipped\" overlap records for 02:00, want 1", n)
					}
					b.obs.mu.Lock()
					if b.obs.skipped[engine.SkipOverlap] != 2 {
						t.Errorf("observer skipped %v, want 2 overlap", b.obs.skipped)
					}
					b.obs.mu.Unlock()
				}
			})
		})
	}
}

// On start, a schedule whose fire times passed runs once for the latest of
// them if it is within the catch-up window; the others are recorded as
// missed.
func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cron     string
		downtime time.Duration
		window   time.Duration
		to       time.Duration // occurrences listed up to epoch+to
		wantOcc  []string
		wantRuns []string
	}{
		{
			name: "latest fire within the window runs once", cron: "0 * * * *", downtime: 5*time.Hour + 30*time.Minute, to: 6*time.Hour + time.Minute,
			wantOcc:  []string{"01:00 skipped/missed", "02:00 skipped/missed", "03:00 skipped/missed", "04:00 skipped/missed", "05:00 dispatched", "06:00 scheduled"},
			wantRuns: []string{"05:00 completed"},
		},
		{
			name: "latest fire beyond the window is missed", cron: "0 1 * * *", downtime: 2*time.Hour + 30*time.Minute, to: 25*time.Hour + time.Minute,
			wantOcc: []string{"01:00 skipped/missed", "2000-01-02 01:00 scheduled"},
		},
		{
			name: "a longer window catches it", cron: "0 1 * * *", downtime: 2*time.Hour + 30*time.Minute, window: 2 * time.Hour, to: 25*time.Hour + time.Minute,
			wantOcc:  []string{"01:00 dispatched", "2000-01-02 01:00 scheduled"},
			wantRuns: []string{"01:00 completed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, _ := setup(t, func(c *engine.Config) { c.CatchUpWindow = tc.window })
				s := mustCreate(t, e, tc.cron)
				time.Sleep(tc.downtime) // no engine running
				start(t, e)
				sleep(time.Second)
				if diff := cmp.Diff(tc.wantOcc, occurrences(t, e, s, epoch, epoch.Add(tc.to))); diff != "" {
					t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.wantRuns, runsOf(t, e, acct, s.ID)); diff != "" {
					t.Errorf("runs mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// A schedule stalled for a month is caught up in bounded claims: every
// fire is recorded once, exactly one run is created, and other schedules
// are not starved meanwhile.
func TestCatchUpLongStallIsBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		s := mustCreate(t, e, "*/10 * * * *")
		time.Sleep(30*24*time.Hour + 5*time.Minute) // a month without an engine
		start(t, e)
		sleep(time.Second)

		occ, err := e.Occurrences(t.Context(), acct, s.ID, epoch, b.now(), engine.MaxOccurrenceLimit)
		if err != nil {
			t.Fatal(err)
		}
		if len(occ) != engine.MaxOccurrenceLimit {
			t.Fatalf("%d occurrences, want a full page", len(occ))
		}
		all, err := b.store.ListOccurrences(t.Context(), acct, s.ID, epoch, b.now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		const fires = 30 * 24 * 6 // 00:10 on day 1 ... 00:00 on day 31
		if len(all) != fires {
			t.Errorf("%d occurrences recorded, want %d", len(all), fires)
		}
		missed, dispatched := 0, 0
		for _, o := range all {
			switch {
			case o.Outcome == engine.OutcomeDispatched:
				dispatched++
			case o.Reason == engine.SkipMissed:
				missed++
			}
		}
		if dispatched != 1 || missed != fires-1 {
			t.Errorf("%d dispatched, %d missed; want 1 and %d", dispatched, missed, fires-1)
		}
		if diff := cmp.Diff([]string{"2000-01-31 00:00 completed"}, runsOf(t, e, acct, s.ID)); diff != "" {
			t.Errorf("runs mismatch (-want +got):\n%s", diff)
		}
		// Missed fires are logged one record per claim, each bounded.
		recs := b.logs.find("fires skipped", map[string]string{"schedule_id": s.ID, "reason": "missed"})
		if len(recs) < fires/engine.MaxFiresPerClaim {
			t.Errorf("%d \"fires skipped\" records, want at least %d", len(recs), fires/engine.MaxFiresPerClaim)
		}
		for _, r := range recs {
			var n int
			fmt.Sscan(r.Attrs["count"], &n)
			if n > engine.MaxFiresPerClaim {
				t.Errorf("one claim skipped %d fires, more than %d", n, engine.MaxFiresPerClaim)
			}
		}
	})
}

// Min cadence, clamp policy: a 5-minute cron is accepted with a warning and
// runs at most every 10 minutes; the fires in between are recorded.
func TestMinCadenceClamp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "*/5 * * * *")
		wantWarn := []string{"cadence fires as often as every 5 minutes, more often than the minimum of every 10 minutes: it will run at most every 10 minutes"}
		if diff := cmp.Diff(wantWarn, s.Warnings); diff != "" {
			t.Errorf("warnings mismatch (-want +got):\n%s", diff)
		}
		start(t, e)
		sleep(30*time.Minute + time.Second)
		want := []string{
			"00:05 dispatched", "00:10 skipped/min_cadence", "00:15 dispatched", "00:20 skipped/min_cadence",
			"00:25 dispatched", "00:30 skipped/min_cadence",
		}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(31*time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
	})
}

// Real time matters: on the night New York springs forward, "30 2,3 * * *"
// fires at 03:00 EDT (02:30 does not exist) and 03:30 EDT, 30 real minutes
// apart, below a one-hour minimum, though its wall-clock gap is an hour.
func TestMinCadenceDSTUsesRealTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, func(c *engine.Config) { c.MinCadence = time.Hour })
		ny, _ := time.LoadLocation("America/New_York")
		b.setClock(time.Date(2025, 3, 9, 1, 0, 0, 0, ny))
		s := mustCreate(t, e, "30 2,3 * * *", func(in *engine.ScheduleInput) { in.Timezone = "America/New_York" })
		if len(s.Warnings) != 0 {
			t.Errorf("warnings %q, want none (the wall-clock interval is an hour)", s.Warnings)
		}
		start(t, e)
		sleep(3 * time.Hour)
		got := occurrences(t, e, s, time.Date(2025, 3, 9, 0, 0, 0, 0, ny), time.Date(2025, 3, 10, 0, 0, 0, 0, ny))
		want := []string{"2025-03-09 07:00 dispatched", "2025-03-09 07:30 skipped/min_cadence"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
	})
}

// Min cadence, reject policy: the cadence is refused with a validation
// error naming the measured interval.
func TestMinCadenceReject(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, func(c *engine.Config) { c.CadencePolicy = engine.CadenceReject })
		_, err := e.CreateSchedule(t.Context(), acct, engine.ScheduleInput{ChatID: chat, Cadence: "*/5 * * * *"})
		want := &engine.ValidationError{Field: "cadence", Msg: "fires as often as every 5 minutes, more often than the minimum cadence of every 10 minutes"}
		checkValidation(t, err, want)
		if _, err := e.CreateSchedule(t.Context(), acct, engine.ScheduleInput{ChatID: chat, Cadence: "*/10 * * * *"}); err != nil {
			t.Errorf("a 10-minute cadence: %v", err)
		}
		s := mustCreate(t, e, "0 * * * *")
		_, err = e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("0,7 * * * *")})
		checkValidation(t, err, &engine.ValidationError{Field: "cadence", Msg: "fires as often as every 7 minutes, more often than the minimum cadence of every 10 minutes"})
	})
}

// The wall clock jumping forward or back never doubles or loses a run.
func TestClockSteps(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, func(c *engine.Config) { c.PollInterval = 0 }) // the default, 1s
		s := mustCreate(t, e, "0 * * * *")
		start(t, e)

		sleep(time.Hour + 10*time.Minute) // 01:00 runs; wall 01:10
		b.step(-40 * time.Minute)         // NTP steps back: wall 00:30
		sleep(45 * time.Minute)           // wall 01:15: 01:00 must not run again
		b.step(2 * time.Hour)             // VM resumes: wall 03:15
		sleep(time.Second)                // 03:00 is the latest: it runs, 02:00 is missed
		sleep(50 * time.Minute)           // wall 04:05: 04:00 runs
		b.step(-5 * time.Minute)          // wall 04:00:01 again
		sleep(61 * time.Minute)           // wall 05:01: 05:00 runs once

		want := []string{"01:00 dispatched", "02:00 skipped/missed", "03:00 dispatched", "04:00 dispatched", "05:00 dispatched", "06:00 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(6*time.Hour+time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"01:00", "03:00", "04:00", "05:00"}, b.runner.scheduled()); diff != "" {
			t.Errorf("runner calls mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("wall clock stepped", nil)); n != 3 {
			t.Errorf("%d \"wall clock stepped\" records, want 3", n)
		}
	})
}

// A forward step of the wall clock (NTP, a resumed VM) does not bring two
// runs of a schedule closer than MinCadence in real time: the dispatcher
// takes the steps it saw since the previous dispatch out of the gap. Steps
// before the previous dispatch, steps back and steps within PollInterval
// of slack change nothing.
func TestMinCadenceAfterForwardStep(t *testing.T) {
	t.Parallel()
	// fires lists "15:04 outcome" for every fire from first to last
	// (minutes after midnight), every `every` minutes.
	fires := func(first, last, every int, outcome string) []string {
		return repeat((last-first)/every+1, func(i int) string {
			return hm(epoch.Add(time.Duration(first+i*every)*time.Minute)) + " " + outcome
		})
	}
	tests := []struct {
		name   string
		cron   string
		stepAt time.Duration // real time since midnight
		step   time.Duration
		want   []string // occurrences up to the end, 46 real minutes after midnight
	}{
		{
			// The run of 00:01 starts at 00:01 real; at 00:01:30 the wall
			// clock jumps to 00:16:30. The 00:16 fire comes 40s after that
			// run in real time; the first allowed is 00:26 (00:11 real).
			name: "clamped cadence, step just after a run", cron: "* * * * *",
			stepAt: time.Minute + 30*time.Second, step: 15 * time.Minute,
			want: slices.Concat(
				fires(1, 1, 1, "dispatched"), fires(2, 15, 1, "skipped/missed"), fires(16, 25, 1, "skipped/min_cadence"),
				fires(26, 26, 1, "dispatched"), fires(27, 35, 1, "skipped/min_cadence"),
				fires(36, 36, 1, "dispatched"), fires(37, 45, 1, "skipped/min_cadence"),
				fires(46, 46, 1, "dispatched"), fires(47, 55, 1, "skipped/min_cadence"),
				fires(56, 56, 1, "dispatched"), fires(57, 61, 1, "skipped/min_cadence")),
		},
		{
			// 00:20 and 00:30 would run 40s and 4m20s after 00:10 in real
			// time.
			name: "every 10 minutes, step just after a run", cron: "*/10 * * * *",
			stepAt: 10*time.Minute + 30*time.Second, step: 15 * time.Minute,
			want: slices.Concat(fires(10, 10, 10, "dispatched"), fires(20, 30, 10, "skipped/min_cadence"), fires(40, 60, 10, "dispatched")),
		},
		{
			name: "every 10 minutes, no step", cron: "*/10 * * * *",
			want: fires(10, 40, 10, "dispatched"),
		},
		{
			name: "every 10 minutes, step within the slack", cron: "*/10 * * * *",
			stepAt: 10*time.Minute + 30*time.Second, step: 5 * time.Second,
			want: fires(10, 40, 10, "dispatched"),
		},
		{
			// The run of 00:10 starts at 00:07 real, after the step: the
			// step does not shorten the gap to the next one.
			name: "every 10 minutes, step before the previous run", cron: "*/10 * * * *",
			stepAt: 5 * time.Minute, step: 3 * time.Minute,
			want: fires(10, 40, 10, "dispatched"),
		},
		{
			name: "every 10 minutes, step back", cron: "*/10 * * * *",
			stepAt: 10*time.Minute + 30*time.Second, step: -3 * time.Minute,
			want: fires(10, 40, 10, "dispatched"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, b := setup(t, nil) // MinCadence 10 minutes, PollInterval 10s
				s := mustCreate(t, e, tc.cron)
				start(t, e)
				end := 46*time.Minute + 30*time.Second
				if tc.step != 0 {
					sleep(tc.stepAt)
					b.step(tc.step)
					sleep(end - tc.stepAt)
				} else {
					sleep(end)
				}
				if diff := cmp.Diff(tc.want, occurrences(t, e, s, epoch, b.now())); diff != "" {
					t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
				}
				// The promise itself: runs start at least MinCadence apart
				// in real time, less the PollInterval of slack.
				b.runner.mu.Lock()
				defer b.runner.mu.Unlock()
				for i := 1; i < len(b.runner.at); i++ {
					if gap := b.runner.at[i].Sub(b.runner.at[i-1]); gap < engine.DefaultMinCadence-10*time.Second {
						t.Errorf("runs %s and %s started %v apart in real time", hm(b.runner.calls[i-1].ScheduledFor), hm(b.runner.calls[i].ScheduledFor), gap)
					}
				}
			})
		})
	}
}

// A schedule whose claim conflicts with occurrences already recorded (for
// example after a clock step and a pause) is moved past them without
// blocking other schedules, and nothing runs twice.
func TestClaimConflictIsRepaired(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		bad := mustCreate(t, e, "0 * * * *")
		good := mustCreate(t, e, "0 * * * *", func(in *engine.ScheduleInput) { in.ChatID = chat2 })
		// Record the 01:00 fire of bad behind the dispatcher's back.
		cur, err := b.store.GetSchedule(t.Context(), acct, bad.ID)
		if err != nil {
			t.Fatal(err)
		}
		occ := engine.Occurrence{ScheduleID: bad.ID, AccountID: acct, FireTime: epoch.Add(time.Hour),
			Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: epoch}
		if err := b.store.UpdateSchedule(t.Context(), cur, occ); err != nil {
			t.Fatal(err)
		}
		start(t, e)
		sleep(2*time.Hour + time.Second)
		if diff := cmp.Diff([]string{"01:00 skipped/paused", "02:00 dispatched"}, occurrences(t, e, bad, epoch, epoch.Add(2*time.Hour+time.Minute))); diff != "" {
			t.Errorf("bad schedule occurrences mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"01:00 dispatched", "02:00 dispatched"}, occurrences(t, e, good, epoch, epoch.Add(2*time.Hour+time.Minute))); diff != "" {
			t.Errorf("good schedule occurrences mismatch (-want +got):\n%s", diff)
		}
		if n := len(b.logs.find("claim conflicts with recorded fires; skipping past them", map[string]string{"schedule_id": bad.ID})); n != 1 {
			t.Errorf("%d conflict records, want 1", n)
		}
	})
}

// Two engines sharing one store never run a fire twice.
func TestTwoEnginesShareAStore(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e1, b := setup(t, func(c *engine.Config) { c.PollInterval = 10 * time.Second })
		e2, err := engine.New(engine.Config{Store: b.store, Runner: b.runner, WorkerID: "worker-2", PollInterval: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		var ids []string
		for i := range n {
			s := mustCreate(t, e1, fmt.Sprintf("%d * * * *", i))
			ids = append(ids, s.ID)
		}
		start(t, e1)
		start(t, e2)
		sleep(3 * time.Hour)
		if got := b.runner.count(); got != 3*n {
			t.Errorf("runner called %d times, want %d", got, 3*n)
		}
		seen := map[string]bool{}
		for _, r := range b.runner.snapshot() {
			if seen[r.IdempotencyKey()] {
				t.Errorf("fire %s ran twice", r.IdempotencyKey())
			}
			seen[r.IdempotencyKey()] = true
		}
		for _, id := range ids {
			if got := len(runsOf(t, e1, acct, id)); got != 3 {
				t.Errorf("schedule %s has %d runs, want 3", id, got)
			}
		}
	})
}

// The dispatcher does not trust one long timer: a schedule another replica
// wrote straight into the store, due sooner than this engine's next wake-up,
// is noticed within PollInterval and dispatched on time.
func TestAnotherReplicasScheduleIsNoticed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, func(c *engine.Config) { c.PollInterval = 0 }) // the default, 1s
		mustCreate(t, e, "0 5 * * *")                                   // the engine's own next due time: 05:00
		start(t, e)
		sleep(59*time.Second + 500*time.Millisecond)
		s := &engine.Schedule{
			ID: "0d8f7c6b-5a4e-4d3c-8b2a-190817161514", AccountID: acct, ChatID: chat, Cadence: "* * * * *", Cron: "* * * * *",
			Timezone: "UTC", Active: true, Bundle: "default", ToolhouseID: "default",
			CreatedAt: b.now(), UpdatedAt: b.now(), NextRunAt: epoch.Add(time.Minute), Version: 1,
		}
		if err := b.store.CreateSchedule(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		sleep(time.Second)
		runs, _, err := e.ListRuns(t.Context(), acct, engine.RunFilter{ScheduleID: s.ID})
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs %v, %v", runs, err)
		}
		if lag := runs[0].CreatedAt.Sub(runs[0].ScheduledFor); lag != 0 {
			t.Errorf("dispatched %v late", lag)
		}
	})
}
