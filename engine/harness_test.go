package engine_test

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"

	_ "time/tzdata"
)

const (
	acct  = "acct-1"
	other = "acct-2"
	chat  = "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f"
	chat2 = "7d1c0a55-2b3e-4f6a-8c9d-0e1f2a3b4c5d"
)

// epoch is where a synctest bubble's clock starts.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// testBundle is what setup wires around an Engine under test.
type testBundle struct {
	store  *memstore.Store
	runner *testRunner
	obs    *testObserver
	logs   *logRecorder
	// offset is added to the bubble's clock: a test steps the wall clock
	// by changing it.
	offset   atomic.Int64
	finished chan *engine.Run // OnRunFinished, buffered
}

// setup builds an Engine on a fresh memstore, inside a synctest bubble.
// mod may change the config (its Runner is a testRunner unless replaced).
func setup(t *testing.T, mod func(*engine.Config)) (*engine.Engine, *testBundle) {
	t.Helper()
	b := &testBundle{
		store:    memstore.New(),
		runner:   &testRunner{},
		obs:      &testObserver{},
		logs:     &logRecorder{},
		finished: make(chan *engine.Run, 10000),
	}
	cfg := engine.Config{
		Store:         b.store,
		Runner:        b.runner,
		Now:           func() time.Time { return time.Now().Add(time.Duration(b.offset.Load())) },
		Logger:        slog.New(b.logs),
		Observer:      b.obs,
		OnRunFinished: func(_ context.Context, r *engine.Run) { b.finished <- r },
		WorkerID:      "worker-1",
		// Long simulated spans cost one wake-up per PollInterval; tests
		// about polling itself set 1s (the default) again.
		PollInterval: 10 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, b
}

// setClock makes the engine's wall clock read at now.
func (b *testBundle) setClock(at time.Time) {
	b.offset.Store(int64(time.Until(at)))
}

// step moves the engine's wall clock by d without real time passing.
func (b *testBundle) step(d time.Duration) { b.offset.Add(int64(d)) }

// now is the engine's wall clock.
func (b *testBundle) now() time.Time {
	return time.Now().Add(time.Duration(b.offset.Load())).UTC()
}

// start runs e until the returned stop is called; stop waits for Run to
// return.
func start(t *testing.T, e *engine.Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	synctest.Wait()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// sleep advances the bubble's clock by d and lets every goroutine settle.
func sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// testRunner records its calls; fn, if set, decides each run's outcome.
type testRunner struct {
	mu        sync.Mutex
	fn        func(ctx context.Context, r *engine.Run) (engine.Result, error)
	calls     []*engine.Run
	at        []time.Time
	active    int
	maxActive int
}

func (tr *testRunner) Run(ctx context.Context, r *engine.Run) (engine.Result, error) {
	tr.mu.Lock()
	tr.calls = append(tr.calls, r.Clone())
	tr.at = append(tr.at, time.Now())
	tr.active++
	tr.maxActive = max(tr.maxActive, tr.active)
	fn := tr.fn
	tr.mu.Unlock()
	defer func() {
		tr.mu.Lock()
		tr.active--
		tr.mu.Unlock()
	}()
	if fn != nil {
		return fn(ctx, r)
	}
	return engine.Result{
		Messages:         []engine.Message{{Role: "assistant", Content: "done " + r.IdempotencyKey()}},
		LastAgentMessage: "done",
	}, nil
}

func (tr *testRunner) setFn(fn func(ctx context.Context, r *engine.Run) (engine.Result, error)) {
	tr.mu.Lock()
	tr.fn = fn
	tr.mu.Unlock()
}

// scheduled returns the ScheduledFor of every call, formatted.
func (tr *testRunner) scheduled() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []string
	for _, r := range tr.calls {
		out = append(out, hm(r.ScheduledFor))
	}
	return out
}

// snapshot returns the runs the runner was called with.
func (tr *testRunner) snapshot() []*engine.Run {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]*engine.Run(nil), tr.calls...)
}

func (tr *testRunner) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.calls)
}

// blockUntilReleased makes every run wait for release (or its context).
func blockUntilReleased(release <-chan struct{}) func(ctx context.Context, r *engine.Run) (engine.Result, error) {
	return func(ctx context.Context, r *engine.Run) (engine.Result, error) {
		select {
		case <-release:
			return engine.Result{LastAgentMessage: "released"}, nil
		case <-ctx.Done():
			return engine.Result{}, context.Cause(ctx)
		}
	}
}

// testObserver counts what the engine reports.
type testObserver struct {
	mu       sync.Mutex
	lags     []time.Duration
	finished map[engine.RunStatus]int
	skipped  map[engine.SkipReason]int
	pruned   int
}

// Pruned makes testObserver an engine.PruneObserver.
func (o *testObserver) Pruned(n int) {
	o.mu.Lock()
	o.pruned += n
	o.mu.Unlock()
}

func (o *testObserver) DispatchLag(d time.Duration) {
	o.mu.Lock()
	o.lags = append(o.lags, d)
	o.mu.Unlock()
}

func (o *testObserver) RunFinished(s engine.RunStatus) {
	o.mu.Lock()
	if o.finished == nil {
		o.finished = map[engine.RunStatus]int{}
	}
	o.finished[s]++
	o.mu.Unlock()
}

func (o *testObserver) Skipped(r engine.SkipReason) {
	o.mu.Lock()
	if o.skipped == nil {
		o.skipped = map[engine.SkipReason]int{}
	}
	o.skipped[r]++
	o.mu.Unlock()
}

// logRecorder is a slog.Handler keeping every record as
// "message key=value ..." with attributes sorted.
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord
}

type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindTime {
			rec.Attrs[a.Key] = hm(v.Time())
		} else {
			rec.Attrs[a.Key] = v.String()
		}
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	return nil
}

// find returns the records with message msg whose attributes include want.
func (h *logRecorder) find(msg string, want map[string]string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
next:
	for _, r := range h.records {
		if r.Msg != msg {
			continue
		}
		for k, v := range want {
			if r.Attrs[k] != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

func (h *logRecorder) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		out = append(out, r.Msg)
	}
	return out
}

// hm formats an instant compactly: "15:04" on the bubble's first day,
// else "01-02 15:04", with seconds only when not zero.
func hm(t time.Time) string {
	t = t.UTC()
	layout := "15:04"
	if t.Second() != 0 || t.Nanosecond() != 0 {
		layout = "15:04:05.999999"
	}
	if y, m, d := t.Date(); y != 2000 || m != 1 || d != 1 {
		layout = "2006-01-02 " + layout
	}
	return t.Format(layout)
}

// occurrences returns a schedule's recorded and upcoming occurrences in
// [from, to) as "15:04 outcome[/reason]", a span as
// "15:04..16:04 x7 outcome[/reason]".
func occurrences(t *testing.T, e *engine.Engine, s *engine.Schedule, from, to time.Time) []string {
	t.Helper()
	occ, err := e.Occurrences(t.Context(), s.AccountID, s.ID, from, to, engine.MaxOccurrenceLimit)
	if err != nil {
		t.Fatalf("Occurrences: %v", err)
	}
	return fmtOccurrences(occ)
}

func fmtOccurrences(occ []engine.Occurrence) []string {
	var out []string
	for _, o := range occ {
		s := hm(o.FireTime)
		if o.IsSpan() {
			s += ".." + hm(o.Through) + " x" + strconv.Itoa(o.Count)
		}
		s += " " + string(o.Outcome)
		if o.Reason != "" {
			s += "/" + string(o.Reason)
		}
		out = append(out, s)
	}
	return out
}

// runsOf lists a schedule's runs, oldest first, as "15:04 status".
func runsOf(t *testing.T, e *engine.Engine, accountID, scheduleID string) []string {
	t.Helper()
	var all []*engine.Run
	f := engine.RunFilter{ScheduleID: scheduleID, Page: engine.Page{Limit: engine.MaxPageLimit}}
	for {
		page, next, err := e.ListRuns(t.Context(), accountID, f)
		if err != nil {
			t.Fatalf("ListRuns: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		f.Cursor = next
	}
	slices.SortFunc(all, func(a, b *engine.Run) int { return a.ScheduledFor.Compare(b.ScheduledFor) })
	var out []string
	for _, r := range all {
		out = append(out, hm(r.ScheduledFor)+" "+string(r.Status))
	}
	return out
}

func mustCreate(t *testing.T, e *engine.Engine, cadence string, mod ...func(*engine.ScheduleInput)) *engine.Schedule {
	t.Helper()
	in := engine.ScheduleInput{ChatID: chat, Cadence: cadence}
	for _, m := range mod {
		m(&in)
	}
	s, err := e.CreateSchedule(t.Context(), acct, in)
	if err != nil {
		t.Fatalf("CreateSchedule(%q): %v", cadence, err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// repeat returns n strings made by f(i).
func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}
