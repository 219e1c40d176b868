package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// BenchmarkCreateSchedules creates b.N schedules through engine.Engine
// (validation and cadence parsing included) from 32 goroutines (API
// clients), each CreateSchedule one INSERT and commit. Run with -benchtime=100000x for
// the figure; it reports the time 100,000 would take.
func BenchmarkCreateSchedules(b *testing.B) {
	schema := newSchema(b)
	const workers = 32
	st, err := pgstore.New(b.Context(), newPool(b, workers), pgstore.WithSchema(schema))
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: st, Runner: engine.RunnerFunc(noopRun)})
	if err != nil {
		b.Fatal(err)
	}
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	self0, pg0, cpuOK := cpuTimes()
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				_, err := eng.CreateSchedule(context.Background(), fmt.Sprintf("acct-%d", i%100),
					engine.ScheduleInput{ChatID: uuid.NewString(), Cadence: "*/10 * * * *"})
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	self1, pg1, _ := cpuTimes()
	b.StopTimer()
	if err, _ := first.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "schedules/s")
	b.ReportMetric(100_000*elapsed.Seconds()/float64(b.N), "s/100k")
	if cpuOK {
		goCPU := (self1 - self0).Seconds() / float64(b.N)
		pgCPU := (pg1 - pg0).Seconds() / float64(b.N)
		b.ReportMetric(goCPU*1e6, "go-cpu-us/op")
		b.ReportMetric(pgCPU*1e6, "pg-cpu-us/op")
		b.ReportMetric(100_000*(goCPU+pgCPU)/2, "s/100k@2cpu")
	}
}

func noopRun(context.Context, *engine.Run) (engine.Result, error) { return engine.Result{}, nil }

// bulkSchedules inserts n every-10-minutes schedules due at next straight
// into schema (setup only: engine.CreateSchedule is measured above).
func bulkSchedules(tb testing.TB, schema string, n int, next time.Time) {
	tb.Helper()
	_, err := sharedPool(tb).Exec(context.Background(), `INSERT INTO `+pgx.Identifier{schema, "schedules"}.Sanitize()+`
		(id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id, vars, callback_url,
		 created_at, updated_at, next_run_at, version)
		SELECT gen_random_uuid()::text, 'acct-' || (i % 100), gen_random_uuid()::text, '*/10 * * * *', '*/10 * * * *',
			'UTC', true, 'default', 'default', NULL, '', $2, $2, $3, 1
		FROM generate_series(1, $1::int) i`, n, next.Add(-10*time.Minute), next)
	if err != nil {
		tb.Fatalf("bulk insert schedules: %v", err)
	}
	if _, err := sharedPool(tb).Exec(context.Background(), `ANALYZE `+pgx.Identifier{schema, "schedules"}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReplicas measures end-to-end throughput of three engines (each
// with its own pool) over one schema holding 100,000 schedules that all
// fire at once: each iteration advances the shared clock to the next fire
// and waits until every run completed (claimed, acquired, run by a no-op
// runner and finished, each step durable). Run with -benchtime=1x. Besides
// runs/s it reports the CPU time spent per run by this process (three
// engines, pgx) and by PostgreSQL, and the throughput two cores doing
// nothing else would allow.
func BenchmarkReplicas(b *testing.B) {
	const schedules = 100_000
	schema := newSchema(b)
	tab := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	if _, err := pgstore.New(b.Context(), sharedPool(b), pgstore.WithSchema(schema)); err != nil {
		b.Fatal(err)
	}
	first := time.Date(2030, 1, 1, 0, 10, 0, 0, time.UTC)
	bulkSchedules(b, schema, schedules, first)
	clock := newFakeClock(first.Add(-time.Minute))
	var finished atomic.Int64 // counted in process: polling the database would cost it CPU
	cfg := engine.Config{
		PollInterval:      20 * time.Millisecond,
		LeaseDuration:     time.Minute,
		MaxConcurrentRuns: 128,
		OnRunFinished:     func(context.Context, *engine.Run) { finished.Add(1) },
		// The fake clock jumps 10 minutes at a time, faster than real
		// time: the minimum cadence, measured in real time, would skip
		// the fires.
		MinCadence: -1,
	}
	var reps []*replica
	for _, name := range []string{"a", "b", "c"} {
		reps = append(reps, startReplica(b, "bench-"+name, schema, clock, cfg))
	}
	b.ResetTimer()
	var elapsed time.Duration
	self0, pg0, cpuOK := cpuTimes()
	for i := range b.N {
		fire := first.Add(time.Duration(i) * 10 * time.Minute)
		start := time.Now()
		clock.Set(fire)
		for finished.Load() < int64(schedules*(i+1)) {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed += time.Since(start)
	}
	self1, pg1, _ := cpuTimes()
	b.StopTimer()
	for _, r := range reps {
		r.stop()
	}
	runs := queryInt(b, `SELECT count(*) FROM `+tab("runs")+` WHERE status = 'completed'`)
	if want := schedules * b.N; runs != want {
		b.Fatalf("%d completed runs, want %d", runs, want)
	}
	b.ReportMetric(float64(runs)/elapsed.Seconds(), "runs/s")
	if cpuOK {
		// CPU spent per run, whatever else the machine was doing: the
		// engines and pgx (this process), and PostgreSQL. On two cores of
		// its own the system could do at most 2 / (their sum) runs/s.
		goCPU := (self1 - self0).Seconds() / float64(runs)
		pgCPU := (pg1 - pg0).Seconds() / float64(runs)
		b.ReportMetric(goCPU*1e6, "go-cpu-us/run")
		b.ReportMetric(pgCPU*1e6, "pg-cpu-us/run")
		b.ReportMetric(2/(goCPU+pgCPU), "runs/s@2cpu")
	}
	b.ReportMetric(0, "ns/op")
}
