package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
)

// Benchmarks for issue 4's "Speed and scale", on memstore. Run them one at
// a time, e.g.
//
//	go test ./engine/ -run '^$' -bench WakeUp -benchtime 200ms
//	go test ./engine/ -run '^$' -bench Throughput -benchtime 3x
//	go test ./engine/ -run '^$' -bench Lag -benchtime 1x

var benchFire = time.Date(2025, 3, 9, 9, 0, 0, 0, time.UTC)

var nopRunner = engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) {
	return engine.Result{}, nil
})

// fillStore adds n active hourly schedules to st; next gives each one's
// NextRunAt. Ids are UUID-shaped, as the engine makes them (stores may keep
// such ids more compactly than arbitrary text).
func fillStore(tb testing.TB, st engine.Store, n int, next func(i int) time.Time) {
	tb.Helper()
	ctx := context.Background()
	created := benchFire.Add(-24 * time.Hour)
	for i := range n {
		s := &engine.Schedule{
			ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), AccountID: acct, ChatID: chat, Cadence: "0 * * * *", Cron: "0 * * * *",
			Timezone: "UTC", Active: true, Bundle: "default", ToolhouseID: "default",
			CreatedAt: created, UpdatedAt: created, NextRunAt: next(i), Version: 1,
		}
		if err := st.CreateSchedule(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
}

func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A wake-up of the dispatcher with nothing due: one ClaimDue that finds
// nothing and one NextDue. Target: O(log n), at most 10 us at 1M schedules.
func BenchmarkWakeUpNothingDue(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run("schedules="+strconv.Itoa(n), func(b *testing.B) {
			st := memstore.New()
			before := heapBytes()
			fillStore(b, st, n, func(i int) time.Time { return benchFire.Add(time.Hour + time.Duration(i%3600)*time.Second) })
			perSchedule := float64(heapBytes()-before) / float64(n)
			eng, err := engine.New(engine.Config{Store: st, Runner: nopRunner, Now: func() time.Time { return benchFire }})
			if err != nil {
				b.Fatal(err)
			}
			tick := eng.Ticker()
			ctx := context.Background()
			for b.Loop() {
				if _, err := tick(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "us/wakeup")
			b.ReportMetric(perSchedule, "heapB/schedule")
			runtime.KeepAlive(st)
		})
	}
}

// Runs dispatched and recorded per second with a no-op runner: every run is
// claimed (run + occurrence inserted, schedule advanced), acquired under a
// lease, executed and finished. Target: at least 100,000 runs/s.
func BenchmarkDispatchThroughput(b *testing.B) {
	const k = 20_000 // runs per op
	type variant struct {
		conc      int
		retention time.Duration // pruning on: the store keeps its pruning indexes up to date
	}
	for _, v := range []variant{{engine.DefaultMaxConcurrentRuns, 0}, {256, 0}, {engine.DefaultMaxConcurrentRuns, time.Hour}} {
		conc := v.conc
		name := fmt.Sprintf("concurrency=%d", conc)
		if v.retention > 0 {
			name += ",retention=" + v.retention.String()
		}
		b.Run(name, func(b *testing.B) {
			var total, cpu time.Duration
			for range b.N {
				st := memstore.New()
				fillStore(b, st, k, func(int) time.Time { return benchFire.Add(-time.Second) })
				var finished atomic.Int64
				done := make(chan struct{})
				eng, err := engine.New(engine.Config{
					Store: st, Runner: nopRunner, MaxConcurrentRuns: conc, Retention: v.retention,
					Now: func() time.Time { return benchFire },
					OnRunFinished: func(context.Context, *engine.Run) {
						if finished.Add(1) == k {
							close(done)
						}
					},
				})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				stopped := make(chan struct{})
				runtime.GC()
				began, cpuBegan := time.Now(), cpuTime()
				go func() { _ = eng.Run(ctx); close(stopped) }()
				<-done
				total += time.Since(began)
				cpu += cpuTime() - cpuBegan
				cancel()
				<-stopped
			}
			b.ReportMetric(float64(k*b.N)/total.Seconds(), "runs/s")
			b.ReportMetric(float64(total.Nanoseconds())/float64(k*b.N), "ns/run")
			if cpu > 0 {
				// What one fully available core would do: the machine is shared.
				b.ReportMetric(float64(k*b.N)/cpu.Seconds(), "runs/cpu-s")
			}
		})
	}
}

// 100,000 schedules fire in the same minute (the same instant, the worst
// case): how late is each run created (dispatch lag), and how late does it
// start? Target: p99 dispatch lag at most 1 s.
func BenchmarkDispatchLag100k(b *testing.B) {
	const n = 100_000
	var dispatch, startLag []time.Duration
	var cpu time.Duration // process CPU from start to the last run's end
	for range b.N {
		st := memstore.New()
		fillStore(b, st, n, func(int) time.Time { return benchFire })
		obs := &lagObserver{lags: make([]time.Duration, 0, n)}
		var (
			mu        sync.Mutex
			starts    = make([]time.Duration, 0, n)
			finished  atomic.Int64
			done      = make(chan struct{})
			began     time.Time
			startedAt = benchFire.Add(-50 * time.Millisecond)
		)
		now := func() time.Time { return startedAt.Add(time.Since(began)) }
		eng, err := engine.New(engine.Config{
			Store: st, Observer: obs, Now: now,
			Runner: engine.RunnerFunc(func(_ context.Context, r *engine.Run) (engine.Result, error) {
				lag := now().Sub(r.ScheduledFor)
				mu.Lock()
				starts = append(starts, lag)
				mu.Unlock()
				return engine.Result{}, nil
			}),
			OnRunFinished: func(context.Context, *engine.Run) {
				if finished.Add(1) == n {
					close(done)
				}
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		runtime.GC()
		cpuBegan := cpuTime()
		began = time.Now()
		go func() { _ = eng.Run(ctx); close(stopped) }()
		<-done
		cpu += cpuTime() - cpuBegan
		cancel()
		<-stopped
		dispatch = append(dispatch, obs.lags...)
		startLag = append(startLag, starts...)
	}
	slices.Sort(dispatch)
	slices.Sort(startLag)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[int(float64(len(d)-1)*p)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(dispatch, 0.50), "p50-dispatch-lag-ms")
	b.ReportMetric(pct(dispatch, 0.99), "p99-dispatch-lag-ms")
	b.ReportMetric(pct(dispatch, 1), "max-dispatch-lag-ms")
	b.ReportMetric(pct(startLag, 0.99), "p99-start-lag-ms")
	if cpu > 0 {
		// The whole burst's CPU (dispatch and execution): on a shared
		// machine the wall-clock lags above include time spent waiting
		// for a core.
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/burst")
	}
}

// The dispatcher alone (no workers) claiming a burst of 100,000 due
// schedules: each claim inserts a run and an occurrence and advances the
// schedule. Its CPU time bounds the dispatch lag of the burst on a core of
// its own: the last fire of the burst is dispatched that late.
func BenchmarkClaimBurst100k(b *testing.B) {
	const n = 100_000
	var wall, cpu time.Duration
	for range b.N {
		st := memstore.New()
		fillStore(b, st, n, func(int) time.Time { return benchFire })
		eng, err := engine.New(engine.Config{Store: st, Runner: nopRunner, Now: func() time.Time { return benchFire }})
		if err != nil {
			b.Fatal(err)
		}
		tick := eng.Ticker()
		runtime.GC()
		began, cpuBegan := time.Now(), cpuTime()
		if _, err := tick(context.Background()); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(began)
		cpu += cpuTime() - cpuBegan
		if next, _ := st.NextDue(context.Background()); !next.After(benchFire) {
			b.Fatalf("one tick left schedules due (next %v)", next)
		}
	}
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/burst")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/burst")
	}
	b.ReportMetric(float64(n*b.N)/wall.Seconds(), "claims/s")
}

type lagObserver struct {
	mu   sync.Mutex
	lags []time.Duration
}

func (o *lagObserver) DispatchLag(d time.Duration) {
	o.mu.Lock()
	o.lags = append(o.lags, d)
	o.mu.Unlock()
}
func (o *lagObserver) RunFinished(engine.RunStatus) {}
func (o *lagObserver) Skipped(engine.SkipReason)    {}
