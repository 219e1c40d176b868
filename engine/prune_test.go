package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
)

func TestPruneInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retention, want time.Duration
	}{
		{time.Second, time.Minute},
		{10 * time.Minute, time.Minute},
		{time.Hour, 6 * time.Minute},
		{10 * time.Hour, time.Hour},
		{30 * 24 * time.Hour, time.Hour},
	}
	for _, tc := range tests {
		if got := engine.PruneInterval(tc.retention); got != tc.want {
			t.Errorf("PruneInterval(%v) = %v, want %v", tc.retention, got, tc.want)
		}
	}
}

func TestRetentionNegativeIsInvalid(t *testing.T) {
	t.Parallel()
	_, err := engine.New(engine.Config{Store: nopStore{}, Runner: engine.RunnerFunc(nil), Retention: -time.Hour})
	if !errors.Is(err, engine.ErrInvalid) {
		t.Errorf("New(Retention: -1h): %v, want ErrInvalid", err)
	}
}

// nopStore satisfies engine.Store for New, which never calls it.
type nopStore struct{ engine.Store }

// recorded returns the schedule's recorded occurrences (not the upcoming
// ones), straight from the store.
func recorded(t *testing.T, b *testBundle, s *engine.Schedule) []engine.Occurrence {
	t.Helper()
	occ, err := b.store.ListOccurrences(t.Context(), s.AccountID, s.ID, epoch.AddDate(-1, 0, 0), epoch.AddDate(1, 0, 0), 0)
	if err != nil {
		t.Fatalf("ListOccurrences: %v", err)
	}
	return occ
}

// storedRuns returns every run of the account in the store.
func storedRuns(t *testing.T, b *testBundle) []*engine.Run {
	t.Helper()
	var all []*engine.Run
	f := engine.RunFilter{Page: engine.Page{Limit: engine.MaxPageLimit}}
	for {
		page, next, err := b.store.ListRuns(t.Context(), acct, f)
		if err != nil {
			t.Fatalf("ListRuns: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
}

// The janitor prunes, while the engine runs, what is older than the
// retention (within one PruneInterval), keeps the rest, and a pruned fire
// never runs again: not after the wall clock steps back past it, not after
// a cadence change or a pause, not in the catch-up after downtime.
func TestRetentionPrunesAndNeverRepeatsAFire(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const retention = 10 * time.Minute
		e, b := setup(t, func(c *engine.Config) {
			c.Retention = retention
			c.MinCadence = -1
		})
		s := mustCreate(t, e, "* * * * *")
		stop := start(t, e)

		// checkHistory checks that the store holds no history older than
		// the retention, give or take one PruneInterval, and (if every
		// minute ran until now) every fire younger than it.
		checkHistory := func(stage string, everyMinute bool) {
			t.Helper()
			now := b.now()
			oldest := now.Add(-retention - engine.PruneInterval(retention))
			for _, r := range storedRuns(t, b) {
				if !r.Status.Active() && r.FinishedAt.Before(oldest) {
					t.Errorf("%s: run for %s finished %s, older than the retention allows at %s", stage, hm(r.ScheduledFor), hm(r.FinishedAt), hm(now))
				}
			}
			for _, o := range recorded(t, b, s) {
				if o.LastFire().Before(oldest) {
					t.Errorf("%s: occurrence %v kept past the retention at %s", stage, fmtOccurrences([]engine.Occurrence{o}), hm(now))
				}
			}
			if !everyMinute {
				return
			}
			kept := map[string]bool{}
			for _, o := range recorded(t, b, s) {
				kept[hm(o.FireTime)] = true
			}
			for _, r := range storedRuns(t, b) {
				kept[hm(r.ScheduledFor)+" run"] = true
			}
			for at := now.Add(-retention).Truncate(time.Minute).Add(time.Minute); !at.After(now); at = at.Add(time.Minute) {
				if !kept[hm(at)] || !kept[hm(at)+" run"] {
					t.Errorf("%s: the fire at %s or its run was pruned before its time (now %s)", stage, hm(at), hm(now))
				}
			}
		}

		sleep(30*time.Minute + 30*time.Second) // wall 00:30:30: fires 00:01..00:30 ran
		if n := b.runner.count(); n != 30 {
			t.Fatalf("%d runs by 00:30:30, want 30", n)
		}
		checkHistory("after 30 minutes", true)
		recs := b.logs.find("history pruned", nil)
		if len(recs) == 0 {
			t.Fatal(`no "history pruned" record`)
		}
		b.obs.mu.Lock()
		pruned := b.obs.pruned
		b.obs.mu.Unlock()
		// 00:01..00:19 or so, each a run and an occurrence.
		if pruned < 2*18 || pruned > 2*20 {
			t.Errorf("observer told of %d pruned records by 00:30:30, want about 2 per minute older than the retention (36..40)", pruned)
		}

		// The wall clock steps back 25 minutes (to 00:05:30, before
		// every pruned fire), the cadence changes and the schedule is
		// paused and resumed: nothing at or before 00:30 runs again.
		b.step(-25 * time.Minute)
		if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Cadence: ptr("*/2 * * * *")}); err != nil {
			t.Fatalf("UpdateSchedule(cadence): %v", err)
		}
		sleep(time.Minute)
		for _, active := range []bool{false, true} {
			if _, err := e.UpdateSchedule(t.Context(), acct, s.ID, engine.ScheduleUpdate{Active: ptr(active)}); err != nil {
				t.Fatalf("UpdateSchedule(active %v): %v", active, err)
			}
			sleep(time.Minute)
		}
		sleep(30 * time.Minute) // wall 00:38:30
		// Downtime, then the catch-up: the latest fire runs once.
		stop()
		sleep(time.Hour) // wall 01:38:30
		stop = start(t, e)
		sleep(5 * time.Minute) // wall 01:43:30
		stop()

		seen := map[time.Time]int{}
		var repeated []string
		for _, r := range b.runner.snapshot() {
			if seen[r.ScheduledFor]++; seen[r.ScheduledFor] == 2 {
				repeated = append(repeated, hm(r.ScheduledFor))
			}
		}
		if len(repeated) > 0 {
			t.Errorf("fires run twice: %v", repeated)
		}
		// 00:01..00:30 every minute, 00:32..00:38 every 2 minutes, the
		// catch-up's 01:38, then 01:40 and 01:42.
		if n, want := len(seen), 30+4+3; n != want {
			t.Errorf("%d distinct fires ran, want %d: %v", n, want, b.runner.scheduled())
		}
		checkHistory("after the catch-up", false)
	})
}

// Replicas sharing a store may all prune: every record is deleted once,
// and none is pruned early.
func TestRetentionTwoReplicas(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e1, b := setup(t, func(c *engine.Config) { c.Retention = 5 * time.Minute; c.MinCadence = -1 })
		cfg2 := engine.Config{
			Store: b.store, Runner: b.runner, WorkerID: "worker-2", PollInterval: 10 * time.Second,
			Retention: 5 * time.Minute, MinCadence: -1, Observer: &testObserver{},
		}
		e2, err := engine.New(cfg2)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			mustCreate(t, e1, "* * * * *")
		}
		start(t, e1)
		start(t, e2)
		sleep(20*time.Minute + 30*time.Second)
		if n := b.runner.count(); n != 5*20 {
			t.Errorf("%d runs, want %d", n, 5*20)
		}
		left := len(storedRuns(t, b))
		if left < 5*5 || left > 5*7 {
			t.Errorf("%d runs stored after 20 minutes with 5 minutes of retention, want 25..35", left)
		}
	})
}

// failingPruner is a memstore whose PruneBefore fails.
type failingPruner struct {
	*memstore.Store
	calls atomic.Int64
}

func (f *failingPruner) PruneBefore(context.Context, time.Time, int) (int, error) {
	f.calls.Add(1)
	return 0, errors.New("disk on fire")
}

// A failing prune is logged and retried at the next pass; dispatching
// and running go on.
func TestRetentionPruneErrorIsLoggedAndRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var fp *failingPruner
		e, b := setup(t, func(c *engine.Config) {
			fp = &failingPruner{Store: c.Store.(*memstore.Store)}
			c.Store, c.Retention, c.MinCadence = fp, time.Hour, -1
		})
		mustCreate(t, e, "*/5 * * * *")
		start(t, e)
		sleep(30*time.Minute + time.Second)
		if n, want := fp.calls.Load(), int64(1+30/6); n != want {
			t.Errorf("PruneBefore called %d times in 30 minutes with a 6-minute interval, want %d", n, want)
		}
		if n := len(b.logs.find("pruning history failed; retrying at the next pass", map[string]string{"error": "disk on fire"})); n != int(fp.calls.Load()) {
			t.Errorf("%d failure records, want one per call", n)
		}
		if n := b.runner.count(); n != 6 {
			t.Errorf("%d runs in 30 minutes of */5, want 6", n)
		}
	})
}
