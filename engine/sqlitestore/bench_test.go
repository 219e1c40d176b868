package sqlitestore_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/sqlitestore"
)

var benchT0 = time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)

func benchSchedule(account string, next time.Time) *engine.Schedule {
	return &engine.Schedule{
		ID:          uuid.NewString(),
		AccountID:   account,
		ChatID:      uuid.NewString(),
		Cadence:     "every minute",
		Cron:        "* * * * *",
		Timezone:    "UTC",
		Active:      true,
		Bundle:      "default",
		ToolhouseID: "default",
		Vars:        map[string]string{"name": "Ada"},
		CreatedAt:   benchT0,
		UpdatedAt:   benchT0,
		NextRunAt:   next,
		Version:     1,
	}
}

// dispatchDecide is what the engine decides for a due schedule with a no-op
// policy: dispatch its fire time and move on by one minute.
func dispatchDecide(now time.Time) func(engine.Due) engine.Claim {
	return func(d engine.Due) engine.Claim {
		s := d.Schedule
		fire := s.NextRunAt
		run := &engine.Run{
			ID: uuid.NewString(), AccountID: s.AccountID, ChatID: s.ChatID, ScheduleID: s.ID,
			Status: engine.RunQueued, Bundle: s.Bundle, ToolhouseID: s.ToolhouseID, Vars: s.Vars,
			ScheduledFor: fire, CreatedAt: now, UpdatedAt: now,
		}
		return engine.Claim{
			Occurrences: []engine.Occurrence{{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: fire,
				Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: now}},
			Run:              run,
			NextRunAt:        fire.Add(time.Minute),
			LastRunAt:        fire,
			LastDispatchedAt: now,
		}
	}
}

// BenchmarkDispatch measures runs claimed and recorded per second with a
// no-op runner: the store calls one engine makes per run (ClaimDue inserts
// the run and its occurrence and advances the schedule, AcquireRuns leases
// it, FinishRun records it completed). One op is one run. finishers is the
// number of goroutines calling FinishRun, as engine workers do.
func BenchmarkDispatch(b *testing.B) {
	for _, finishers := range []int{1, 16} {
		b.Run(fmt.Sprintf("finishers=%d", finishers), func(b *testing.B) {
			benchmarkDispatch(b, finishers)
		})
	}
}

func benchmarkDispatch(b *testing.B, finishers int) {
	const schedules, batch = 1000, 100
	ctx := context.Background()
	s := openStore(b)
	for range schedules {
		if err := s.CreateSchedule(ctx, benchSchedule("acct", benchT0)); err != nil {
			b.Fatal(err)
		}
	}
	now := benchT0
	runs := make(chan *engine.Run, batch)
	var finished atomic.Int64
	var wg sync.WaitGroup
	for range finishers {
		wg.Go(func() {
			for r := range runs {
				if _, err := s.FinishRun(ctx, r.ID, "bench", engine.Finish{
					Status: engine.RunCompleted, FinishedAt: benchT0,
					Results:          []engine.Message{{Role: "assistant", Content: "ok"}},
					LastAgentMessage: "ok",
				}); err != nil {
					b.Error(err)
				}
				finished.Add(1)
			}
		})
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for done := 0; done < b.N; {
		n, err := s.ClaimDue(ctx, now, min(batch, b.N-done), dispatchDecide(now))
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			now = now.Add(time.Minute)
			continue
		}
		acquired, err := s.AcquireRuns(ctx, "bench", now, now.Add(time.Minute), n)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range acquired {
			runs <- r
		}
		done += len(acquired)
	}
	close(runs)
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if got := finished.Load(); got != int64(b.N) {
		b.Fatalf("finished %d runs, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/run")
}

// cpuTime returns the user and system CPU time this process has used: on a
// shared, loaded machine it says more about the cost of an operation than
// the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCreateSchedules100k creates 100,000 schedules (one
// CreateSchedule call each) from concurrent callers into a new file, per
// op. Run it with -benchtime 1x.
func BenchmarkCreateSchedules100k(b *testing.B) {
	for _, callers := range []int{1, 16} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			benchmarkCreate(b, *createTotal, callers)
		})
	}
}

func benchmarkCreate(b *testing.B, total, callers int) {
	ctx := context.Background()
	var elapsed, cpu, reopen time.Duration
	var size int64
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "create.db")
		s, err := sqlitestore.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		all := make([]*engine.Schedule, total)
		for i := range all {
			all[i] = benchSchedule(fmt.Sprintf("acct-%d", i%100), benchT0.Add(time.Duration(i)*time.Second))
		}
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(total); i = next.Add(1) - 1 {
					if err := s.CreateSchedule(ctx, all[i]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		// Reopening reads the whole file (quick_check).
		start = time.Now()
		s, err = sqlitestore.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		reopen += time.Since(start)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
	}
	b.ReportMetric(float64(reopen.Milliseconds())/float64(b.N), "reopen-ms")
	b.ReportMetric(float64(size)/1e6, "file-MB")
	b.ReportMetric(elapsed.Seconds()/float64(b.N)*100_000/float64(total), "s/100k")
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "schedules/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total*b.N), "cpu-µs/schedule")
}

// createTotal is how many schedules BenchmarkCreateSchedules100k creates;
// smaller values are for quick comparisons.
var createTotal = flag.Int("create-total", 100_000, "schedules BenchmarkCreateSchedules100k creates")
