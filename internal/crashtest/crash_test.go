package crashtest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
	"github.com/nlcron/nlcron/engine/sqlitestore"
	"github.com/nlcron/nlcron/internal/pgtest"
	"github.com/nlcron/nlcron/schedule"
)

// envChild switches the test binary into a child engine process; its
// value is the child's JSON-encoded childConfig.
const envChild = "NLCRON_CRASHTEST_CHILD"

const (
	account = "crash-account"
	cadence = "*/10 * * * *"
	// speed is how much faster than real time the engine's clock runs.
	speed = 600
	// lease is the run lease, in engine (accelerated) time: longer than a
	// run (at most 30ms real, 18s engine time), so that a live child never
	// needs to renew.
	lease = 30 * time.Second
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(envChild); cfg != "" {
		os.Exit(childMain(cfg))
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// childConfig is what a child needs; it travels in envChild.
type childConfig struct {
	Store     string // "sqlite" or "postgres"
	DSN       string // file path or URL
	Schema    string // PostgreSQL schema
	RealEpoch int64  // Unix ns: the real instant that maps to FakeEpoch
	FakeEpoch int64  // Unix ns
	Create    int    // schedules to create while running
	Seed      uint64
}

// clock maps real time to the engine's accelerated time, the same way in
// every process.
func (c childConfig) clock() func() time.Time {
	return func() time.Time {
		elapsed := time.Since(time.Unix(0, c.RealEpoch))
		return time.Unix(0, c.FakeEpoch).Add(elapsed * speed).UTC()
	}
}

func openStore(ctx context.Context, c childConfig) (engine.Store, func(), error) {
	switch c.Store {
	case "sqlite":
		st, err := sqlitestore.Open(ctx, c.DSN)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	case "postgres":
		st, err := pgstore.Open(ctx, c.DSN, pgstore.WithSchema(c.Schema))
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q", c.Store)
}

func engineConfig(c childConfig, st engine.Store, r engine.Runner) engine.Config {
	return engine.Config{
		Store:             st,
		Runner:            r,
		Now:               c.clock(),
		MinCadence:        -1, // the accelerated clock makes dispatch lag jitter look like short gaps
		LeaseDuration:     lease,
		PollInterval:      10 * time.Millisecond,
		ShutdownGrace:     5 * time.Second,
		MaxConcurrentRuns: 8,
	}
}

// reportingStore reports every ClaimDue that returned: "claimed <n>
// <engine time of the claim, Unix ns>".
type reportingStore struct {
	engine.Store
	say func(format string, args ...any)
}

func (s reportingStore) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	n, err := s.Store.ClaimDue(ctx, now, limit, decide)
	if err == nil {
		s.say("claimed %d %d", n, now.UnixNano())
	}
	return n, err
}

// childMain is the child process: it runs an engine until SIGINT (or
// SIGKILL), creating c.Create schedules meanwhile. It reports on stdout:
// "ready", "claimed <n> <engine time>" after each claim, "created
// <schedule id>" once a create returned, "start <run id>" when the runner
// begins a run.
func childMain(cfgJSON string) int {
	var c childConfig
	if err := json.Unmarshal([]byte(cfgJSON), &c); err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	st, closeStore, err := openStore(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open store:", err)
		return 1
	}
	defer closeStore()
	rng := mrand.New(mrand.NewPCG(c.Seed, 1))
	var rngMu sync.Mutex
	runner := engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
		say("start %s", r.ID)
		rngMu.Lock()
		d := time.Duration(5+rng.IntN(25)) * time.Millisecond
		rngMu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return engine.Result{}, ctx.Err()
		}
		return engine.Result{LastAgentMessage: "done " + r.IdempotencyKey()}, nil
	})
	eng, err := engine.New(engineConfig(c, reportingStore{Store: st, say: say}, runner))
	if err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	say("ready")
	for range c.Create {
		rngMu.Lock()
		d := time.Duration(20+rng.IntN(80)) * time.Millisecond
		rngMu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		if ctx.Err() != nil {
			break
		}
		s, err := eng.CreateSchedule(ctx, account, engine.ScheduleInput{ChatID: uuid.NewString(), Cadence: cadence})
		if err != nil {
			fmt.Fprintln(os.Stderr, "create schedule:", err)
			continue
		}
		say("created %s", s.ID)
	}
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "engine run:", err)
		return 1
	}
	return 0
}

// child is a running child process and what it reported.
type child struct {
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	ready   chan struct{} // closed on "ready", or when the output ends
	claimed chan struct{} // closed on the first "claimed", or when the output ends
	readMu  sync.Mutex
	read    sync.WaitGroup

	lastClaim atomic.Int64 // engine time of the latest claim, Unix ns
	created   []string
	started   []string
}

func startChild(t *testing.T, c childConfig) *child {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	ch := &child{ready: make(chan struct{}), claimed: make(chan struct{})}
	ch.cmd = exec.Command(os.Args[0])
	ch.cmd.Env = append(os.Environ(), envChild+"="+string(b))
	ch.cmd.Stderr = &ch.stderr
	out, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch.read.Go(func() { ch.scan(out) })
	return ch
}

func (ch *child) scan(r io.Reader) {
	sc := bufio.NewScanner(r)
	readyOnce := sync.OnceFunc(func() { close(ch.ready) })
	claimedOnce := sync.OnceFunc(func() { close(ch.claimed) })
	// A child that dies early never reports; do not wait for it forever.
	defer readyOnce()
	defer claimedOnce()
	for sc.Scan() {
		kind, arg, _ := strings.Cut(sc.Text(), " ")
		ch.readMu.Lock()
		switch kind {
		case "ready":
			readyOnce()
		case "claimed":
			if _, at, ok := strings.Cut(arg, " "); ok {
				if ns, err := strconv.ParseInt(at, 10, 64); err == nil {
					ch.lastClaim.Store(ns)
				}
			}
			claimedOnce()
		case "created":
			ch.created = append(ch.created, arg)
		case "start":
			ch.started = append(ch.started, arg)
		}
		ch.readMu.Unlock()
	}
}

// wait waits for the process to exit and its output to be read.
func (ch *child) wait() error {
	err := ch.cmd.Wait()
	ch.read.Wait()
	return err
}

// stderrTail returns the last lines the child wrote to stderr.
func (ch *child) stderrTail() string {
	lines := strings.Split(strings.TrimSpace(ch.stderr.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// crashStats are the counts the test checked.
type crashStats struct {
	kills, startupKills, longPauses, acknowledged, schedules, fires int
	dispatched, missed, overlap, otherSkip, runs                    int
	completed, failedLease, failedOther, queued, start              int
	expiredAtEnd                                                    int
}

// crashTest runs the kill/restart loop against one store and checks the
// result.
func crashTest(t *testing.T, base childConfig) {
	seed := mrand.Uint64()
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewPCG(seed, 2))
	base.RealEpoch = time.Now().UnixNano()
	base.FakeEpoch = time.Date(2030, 1, 1, 0, 0, 30, 0, time.UTC).UnixNano()
	now := base.clock()
	ctx := t.Context()

	// Schedules that exist before the first child.
	acknowledged := map[string]bool{}
	func() {
		st, closeStore, err := openStore(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer closeStore()
		eng, err := engine.New(engineConfig(base, st, engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) {
			return engine.Result{}, errors.New("the parent runs nothing")
		})))
		if err != nil {
			t.Fatal(err)
		}
		for range 40 {
			s, err := eng.CreateSchedule(ctx, account, engine.ScheduleInput{ChatID: uuid.NewString(), Cadence: cadence})
			if err != nil {
				t.Fatal(err)
			}
			acknowledged[s.ID] = true
		}
	}()

	var stats crashStats
	started := map[string]int{}
	collect := func(ch *child) {
		for _, id := range ch.created {
			acknowledged[id] = true
		}
		for _, id := range ch.started {
			started[id]++
		}
	}
	const kills = 20
	began := time.Now()
	for i := range kills {
		c := base
		c.Create = 3
		c.Seed = rng.Uint64()
		ch := startChild(t, c)
		if i%4 == 1 {
			// Now and then kill during start-up (opening the store,
			// migrations, recovery), whatever the child has reached.
			stats.startupKills++
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		} else {
			// Otherwise once the engine made its first claim (how long
			// that takes depends on the machine's load and on the race
			// detector), at a random moment of dispatching, running or
			// creating.
			select {
			case <-ch.claimed:
			case <-time.After(time.Minute):
				t.Fatalf("child %d made no claim in a minute; stderr:\n%s", i, ch.stderrTail())
			}
			time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
		}
		if err := ch.cmd.Process.Kill(); err != nil {
			t.Fatalf("kill child %d: %v", i, err)
		}
		err := ch.wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child %d: exit %v, want killed by SIGKILL; stderr:\n%s", i, err, ch.stderrTail())
		}
		collect(ch)
		stats.kills++
		if i%5 == 4 {
			// A longer outage: two or more fires pass, so the catch-up
			// policy records missed ones.
			stats.longPauses++
			time.Sleep(2500 * time.Millisecond)
		}
	}
	t.Logf("%d kills in %v", stats.kills, time.Since(began).Round(time.Millisecond))

	// A last child catches up and stops gracefully, once it made a claim
	// that started after it was ready: every fire due by then is handled.
	ch := startChild(t, base)
	<-ch.ready
	readyAt := now()
	for deadline := time.Now().Add(time.Minute); ch.lastClaim.Load() <= readyAt.UnixNano(); {
		if time.Now().After(deadline) {
			ch.cmd.Process.Kill()
			ch.wait()
			t.Fatalf("last child made no claim in a minute; stderr:\n%s", ch.stderrTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let some of its runs start
	if err := ch.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := ch.wait(); err != nil {
		t.Fatalf("last child: %v; stderr:\n%s", err, ch.stderrTail())
	}
	collect(ch)

	st, closeStore, err := openStore(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	// Leases of runs left by a killed child are past; whatever is still in
	// progress is failed here.
	expired, err := st.ExpireLeases(ctx, now().Add(lease+time.Second), engine.LeaseExpiredError)
	if err != nil {
		t.Fatal(err)
	}
	stats.expiredAtEnd = len(expired)
	verify(t, st, acknowledged, started, readyAt, &stats)
	t.Logf("checked: %d kills (%d during start-up, %d followed by a long outage); %d schedules exist, all %d acknowledged creates among them; "+
		"%d fire times each with exactly one occurrence: %d dispatched, %d missed, %d overlap, %d other skips; "+
		"%d runs (%d completed, %d failed by lease expiry, %d failed otherwise, %d queued), %d run starts, none twice; "+
		"%d in progress at the end",
		stats.kills, stats.startupKills, stats.longPauses, stats.schedules, stats.acknowledged, stats.fires, stats.dispatched, stats.missed,
		stats.overlap, stats.otherSkip, stats.runs, stats.completed, stats.failedLease, stats.failedOther, stats.queued,
		stats.start, stats.expiredAtEnd)
}

// verify checks the store after the last child stopped.
func verify(t *testing.T, st engine.Store, acknowledged map[string]bool, started map[string]int, readyAt time.Time, stats *crashStats) {
	ctx := t.Context()
	var all []*engine.Schedule
	for cursor := ""; ; {
		page, next, err := st.ListSchedules(ctx, account, engine.Page{Limit: engine.MaxPageLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	stats.schedules = len(all)
	stats.acknowledged = len(acknowledged)
	exists := map[string]bool{}
	for _, s := range all {
		exists[s.ID] = true
	}
	for id := range acknowledged {
		if !exists[id] {
			t.Errorf("schedule %s was acknowledged by a child before it was killed, and is gone", id)
		}
	}

	runStatus := map[string]engine.RunStatus{}
	for _, s := range all {
		sp, err := schedule.Parse(s.Cron, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if !s.NextRunAt.After(readyAt) {
			t.Errorf("schedule %s: NextRunAt %v, not past %v when the last child started: not caught up", s.ID, s.NextRunAt, readyAt)
		}
		var fires []time.Time
		for f := sp.Next(s.CreatedAt); f.Before(s.NextRunAt); f = sp.Next(f) {
			fires = append(fires, f.UTC())
		}
		occ, err := st.ListOccurrences(ctx, account, s.ID, s.CreatedAt.Add(-24*time.Hour), s.NextRunAt.Add(24*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		dispatched := map[time.Time]string{}
		for _, o := range occ {
			got = append(got, o.FireTime)
			switch {
			case o.Outcome == engine.OutcomeDispatched:
				stats.dispatched++
				dispatched[o.FireTime] = o.RunID
			case o.Reason == engine.SkipMissed:
				stats.missed++
			case o.Reason == engine.SkipOverlap:
				stats.overlap++
			default:
				stats.otherSkip++
			}
		}
		if !slices.EqualFunc(fires, got, time.Time.Equal) {
			t.Errorf("schedule %s: occurrences at %v, want exactly one at each fire time %v", s.ID, got, fires)
		}
		stats.fires += len(fires)

		var runs []*engine.Run
		for f := (engine.RunFilter{ScheduleID: s.ID}); ; {
			f.Limit = engine.MaxPageLimit
			page, next, err := st.ListRuns(ctx, account, f)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, page...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		seen := map[time.Time]bool{}
		for _, r := range runs {
			stats.runs++
			runStatus[r.ID] = r.Status
			if seen[r.ScheduledFor] {
				t.Errorf("schedule %s has two runs for %v", s.ID, r.ScheduledFor)
			}
			seen[r.ScheduledFor] = true
			if id, ok := dispatched[r.ScheduledFor]; !ok || id != r.ID {
				t.Errorf("run %s (schedule %s, %v) has no dispatched occurrence naming it", r.ID, s.ID, r.ScheduledFor)
			}
			if r.Attempt > 1 {
				t.Errorf("run %s started %d times", r.ID, r.Attempt)
			}
			switch {
			case r.Status == engine.RunCompleted:
				stats.completed++
			case r.Status == engine.RunFailed && r.Error == engine.LeaseExpiredError:
				stats.failedLease++
			case r.Status == engine.RunFailed:
				stats.failedOther++
			case r.Status == engine.RunQueued:
				stats.queued++
			default:
				t.Errorf("run %s is %s after the last engine stopped and leases were expired", r.ID, r.Status)
			}
		}
		if len(runs) != len(dispatched) {
			t.Errorf("schedule %s: %d runs, %d dispatched occurrences", s.ID, len(runs), len(dispatched))
		}
	}
	for id, n := range started {
		stats.start++
		if n > 1 {
			t.Errorf("run %s was started %d times", id, n)
		}
		if _, ok := runStatus[id]; !ok {
			t.Errorf("a child started run %s, which does not exist", id)
		}
	}
	if stats.dispatched == 0 || stats.missed == 0 {
		t.Errorf("%d dispatched and %d missed fires: the test did not exercise both", stats.dispatched, stats.missed)
	}
}

func TestCrashSQLite(t *testing.T) {
	t.Parallel()
	crashTest(t, childConfig{Store: "sqlite", DSN: filepath.Join(t.TempDir(), "nlcron.db")})
}

func TestCrashPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "nlcron_crash_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	crashTest(t, childConfig{Store: "postgres", DSN: url, Schema: schema})
}
