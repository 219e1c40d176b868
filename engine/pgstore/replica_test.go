package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// fakeClock is a wall clock the test sets; every replica reads it.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.Set(t)
	return c
}

func (c *fakeClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// replicaRunner completes runs at once, or, while hang is set, holds them
// until release is closed (a replica about to die with runs in flight).
// While hold is set it waits for gate to close and then completes them (a
// busy replica, so that the others get runs too).
type replicaRunner struct {
	done    atomic.Int64
	hang    atomic.Bool
	hung    atomic.Int64
	release chan struct{}
	hold    atomic.Bool
	gate    chan struct{}
}

func (r *replicaRunner) Run(ctx context.Context, run *engine.Run) (engine.Result, error) {
	if r.hold.Load() {
		select {
		case <-r.gate:
		case <-ctx.Done():
		}
	}
	if r.hang.Load() {
		r.hung.Add(1)
		select {
		case <-r.release:
		case <-ctx.Done():
		}
		return engine.Result{}, errors.New("replica died")
	}
	r.done.Add(1)
	return engine.Result{Messages: []engine.Message{{Role: "assistant", Content: "ok"}}, LastAgentMessage: "ok"}, nil
}

// replica is one engine with a pool of its own.
type replica struct {
	name   string
	pool   *pgxpool.Pool
	eng    *engine.Engine
	runner *replicaRunner
	cancel context.CancelFunc
	done   chan error
}

// startReplica starts an engine on a new pool over schema.
func startReplica(tb testing.TB, name, schema string, clock *fakeClock, cfg engine.Config) *replica {
	tb.Helper()
	pool := newPool(tb, 16)
	st, err := pgstore.New(context.Background(), pool, pgstore.WithSchema(schema))
	if err != nil {
		tb.Fatal(err)
	}
	r := &replica{name: name, pool: pool, runner: &replicaRunner{release: make(chan struct{}), gate: make(chan struct{})}, done: make(chan error, 1)}
	cfg.Store = st
	cfg.Runner = r.runner
	cfg.Now = clock.Now
	cfg.WorkerID = name
	if r.eng, err = engine.New(cfg); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.eng.Run(ctx) }()
	tb.Cleanup(r.stop)
	return r
}

// stop cancels the engine and waits for Run to return; it is idempotent.
func (r *replica) stop() {
	r.cancel()
	if err, ok := <-r.done; ok {
		close(r.done)
		_ = err
	}
}

// queryInt runs a query returning one integer.
func queryInt(tb testing.TB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := sharedPool(tb).QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

// createSchedules creates n every-10-minutes schedules through eng, with
// a few goroutines.
func createSchedules(tb testing.TB, eng *engine.Engine, n int) {
	tb.Helper()
	const workers = 8
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		first atomic.Value
	)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				_, err := eng.CreateSchedule(context.Background(), fmt.Sprintf("acct-%d", i%50),
					engine.ScheduleInput{ChatID: uuid.NewString(), Cadence: "*/10 * * * *"})
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		tb.Fatalf("CreateSchedule: %v", err)
	}
}

// Three engines with their own pools share one schema: every fire of
// every schedule is recorded once and run once; one replica dies midway
// with runs in flight, the others carry on and fail its runs once their
// leases expire.
func TestReplicas(t *testing.T) {
	t.Parallel()
	n := replicaSchedules
	const steps = 12 // two simulated hours of every-10-minutes fires
	schema := newSchema(t)
	tab := func(name string) string { return pgx.Identifier{schema, name}.Sanitize() }
	if _, err := pgstore.New(t.Context(), sharedPool(t), pgstore.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 1, 0, 0, 30, 0, time.UTC)
	clock := newFakeClock(start)
	cfg := engine.Config{
		PollInterval:  20 * time.Millisecond,
		LeaseDuration: 3 * time.Second, // renewed and expired every second of real time
		ShutdownGrace: 200 * time.Millisecond,
		// Runs take no time, so throughput is slots / store latency;
		// FinishRun calls are coalesced, so slots cost no connections.
		MaxConcurrentRuns: 128,
		// The fake clock jumps 10 minutes at a time, milliseconds apart:
		// the minimum cadence, measured in real time, would skip the fires.
		MinCadence: -1,
	}
	began := time.Now()
	reps := []*replica{
		startReplica(t, "replica-a", schema, clock, cfg),
		startReplica(t, "replica-b", schema, clock, cfg),
		startReplica(t, "replica-c", schema, clock, cfg),
	}
	createSchedules(t, reps[0].eng, n)
	t.Logf("created %d schedules in %v", n, time.Since(began).Round(time.Millisecond))

	// settled reports whether no schedule is due at the clock's time and
	// exactly active runs are queued or in progress. Both counts read
	// small partial indexes, so polling is cheap.
	settled := func(active int) func() bool {
		return func() bool {
			var due, act int
			err := sharedPool(t).QueryRow(t.Context(), `SELECT
				(SELECT count(*) FROM `+tab("schedules")+` WHERE active AND next_run_at <= $1),
				(SELECT count(*) FROM `+tab("runs")+` WHERE status IN ('queued', 'in_progress'))`, clock.Now()).Scan(&due, &act)
			if err != nil {
				t.Fatal(err)
			}
			return due == 0 && act == active
		}
	}

	const dieAt = steps / 2
	dying := reps[2]
	var stuck []string
	for k := 1; k <= steps; k++ {
		stepStart := time.Now()
		if k == dieAt {
			dying.runner.hang.Store(true)
			// The others hold their runs (at most MaxConcurrentRuns each,
			// fewer than the fires), so the dying replica surely gets
			// some: otherwise, on a loaded machine, the others could
			// finish them all before it wakes.
			for _, r := range reps[:2] {
				r.runner.hold.Store(true)
			}
		}
		fireTime := start.Truncate(10 * time.Minute).Add(time.Duration(k) * 10 * time.Minute)
		clock.Set(fireTime)
		if k != dieAt {
			waitFor(t, fmt.Sprintf("step %d to settle", k), settled(0))
			t.Logf("step %d (%s): %d fires handled in %v", k, fireTime.Format("15:04"), n, time.Since(stepStart).Round(time.Millisecond))
			continue
		}

		// Replica c holds its runs of this fire, then loses its database
		// and stops: its runs stay in progress under its lease.
		waitFor(t, "the dying replica to take runs", func() bool { return dying.runner.hung.Load() > 0 })
		for _, r := range reps[:2] {
			r.runner.hold.Store(false)
			close(r.runner.gate)
		}
		waitFor(t, "the dying replica to hold runs", func() bool {
			return dying.runner.hung.Load() > 0 && settled(int(dying.runner.hung.Load()))()
		})
		dying.pool.Close()
		close(dying.runner.release)
		dying.stop()
		rows, err := sharedPool(t).Query(t.Context(), `SELECT id, lease_owner FROM `+tab("runs")+` WHERE status = 'in_progress'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, owner string
			if err := rows.Scan(&id, &owner); err != nil {
				t.Fatal(err)
			}
			if owner != dying.name {
				t.Errorf("run %s in progress under %q after %s died", id, owner, dying.name)
			}
			stuck = append(stuck, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(stuck) != int(dying.runner.hung.Load()) {
			t.Errorf("%d runs in progress after %s died, its runner held %d", len(stuck), dying.name, dying.runner.hung.Load())
		}
		t.Logf("step %d: %s died holding %d runs", k, dying.name, len(stuck))

		// Once their leases expire, a surviving replica fails them.
		clock.Set(fireTime.Add(cfg.LeaseDuration + time.Second))
		waitFor(t, "the dead replica's runs to be failed", func() bool {
			return queryInt(t, `SELECT count(*) FROM `+tab("runs")+` WHERE id = ANY($1) AND status = 'failed' AND error = $2`,
				stuck, engine.LeaseExpiredError) == len(stuck)
		})
		waitFor(t, fmt.Sprintf("step %d to settle", k), settled(0))
		t.Logf("step %d (%s): %d fires handled, %d leases expired, in %v", k, fireTime.Format("15:04"), n, len(stuck), time.Since(stepStart).Round(time.Millisecond))
	}
	for _, r := range reps {
		r.stop()
	}
	elapsed := time.Since(began)

	// Every fire has exactly one occurrence, dispatched, naming a run of
	// that schedule and fire time; no (schedule, fire time) has two runs.
	total := n * steps
	checks := []struct {
		name string
		sql  string
		args []any
		want int
	}{
		{"occurrences", `SELECT count(*) FROM ` + tab("occurrences"), nil, total},
		{"distinct (schedule, fire time) occurrences",
			`SELECT count(*) FROM (SELECT DISTINCT schedule_id, fire_time FROM ` + tab("occurrences") + `) o`, nil, total},
		{"fires outside the two hours",
			`SELECT count(*) FROM ` + tab("occurrences") + ` WHERE fire_time <= $1 OR fire_time > $2`,
			[]any{start, start.Truncate(10 * time.Minute).Add(steps * 10 * time.Minute)}, 0},
		{"dispatched occurrences with their run", `SELECT count(*) FROM ` + tab("occurrences") + ` o JOIN ` + tab("runs") +
			` r ON r.id = o.run_id AND r.schedule_id = o.schedule_id AND r.scheduled_for = o.fire_time WHERE o.outcome = 'dispatched'`, nil, total},
		{"runs", `SELECT count(*) FROM ` + tab("runs"), nil, total},
		{"(schedule, fire time) with two runs", `SELECT count(*) FROM (SELECT 1 FROM ` + tab("runs") +
			` GROUP BY schedule_id, scheduled_for HAVING count(*) > 1) d`, nil, 0},
		{"completed runs", `SELECT count(*) FROM ` + tab("runs") + ` WHERE status = 'completed'`, nil, total - len(stuck)},
		{"runs failed by lease expiry", `SELECT count(*) FROM ` + tab("runs") + ` WHERE status = 'failed' AND error = $1`,
			[]any{engine.LeaseExpiredError}, len(stuck)},
		{"schedules", `SELECT count(*) FROM ` + tab("schedules"), nil, n},
		{"schedules not at the next fire", `SELECT count(*) FROM ` + tab("schedules") + ` WHERE next_run_at <> $1`,
			[]any{start.Truncate(10 * time.Minute).Add((steps + 1) * 10 * time.Minute)}, 0},
	}
	for _, c := range checks {
		if got := queryInt(t, c.sql, c.args...); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		} else {
			t.Logf("checked %s: %d", c.name, got)
		}
	}
	if len(stuck) == 0 {
		t.Error("the dying replica held no runs: the takeover was not exercised")
	}
	var perReplica []string
	for _, r := range reps {
		perReplica = append(perReplica, fmt.Sprintf("%s %d", r.name, r.runner.done.Load()))
	}
	t.Logf("%d schedules, %d fires, %d runs in %v (%.0f runs/s); completed per replica: %v",
		n, total, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), perReplica)
}
