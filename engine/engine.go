package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultMinCadence        = 10 * time.Minute
	DefaultCatchUpWindow     = time.Hour
	DefaultRunTimeout        = 10 * time.Minute
	DefaultMaxConcurrentRuns = 16
	DefaultLeaseDuration     = 30 * time.Second
	DefaultShutdownGrace     = 30 * time.Second
	DefaultPollInterval      = time.Second
)

// Config configures an [Engine]. Store and Runner are required; every other
// field has a default, applied by [New] when the field is zero.
type Config struct {
	// Store persists schedules, runs and occurrences. Required.
	Store Store
	// Runner executes runs. Required.
	Runner Runner
	// Now is the wall clock every decision uses. Default [time.Now].
	// Sleeping always uses real timers (time.Timer), so inside a
	// testing/synctest bubble both are fake and consistent; a test can
	// simulate a wall-clock step with Now = func() time.Time { return
	// time.Now().Add(offset) }. A clock that runs ahead of real time (one
	// a simulation moves by hand, or speeds up) is seen as a series of
	// forward steps, which MinCadence measures as they really are: turn
	// MinCadence off (negative) for such a clock.
	Now func() time.Time

	// MinCadence is the shortest real time allowed between two runs of one
	// schedule. Default 10 minutes; negative disables the minimum.
	MinCadence time.Duration
	// CadencePolicy says what happens to a cadence that fires more often
	// than MinCadence: [CadenceClamp] (default) or [CadenceReject].
	CadencePolicy CadencePolicy
	// AllowOverlap lets a schedule fire while its previous run is still
	// queued or in progress. By default such a fire is skipped as
	// [SkipOverlap].
	AllowOverlap bool
	// CatchUpWindow is how late a fire may be dispatched: the latest past
	// fire of a schedule runs if it is at most this old, every other past
	// fire is recorded as [SkipMissed]. Default 1 hour. It is also the
	// longest dispatch lag tolerated in normal operation, so keep it well
	// above PollInterval.
	CatchUpWindow time.Duration
	// RunTimeout bounds one execution of a run. Default 10 minutes.
	RunTimeout time.Duration
	// MaxConcurrentRuns bounds how many runs this engine executes at once.
	// Default 16.
	MaxConcurrentRuns int
	// LeaseDuration is how long a run stays leased to this engine without
	// renewal; the engine renews every LeaseDuration/3. Default 30 seconds.
	LeaseDuration time.Duration
	// ShutdownGrace is how long [Engine.Run] lets in-flight runs finish
	// after its context ends before cancelling them. Default 30 seconds.
	ShutdownGrace time.Duration
	// PollInterval is the longest the dispatcher sleeps between looks at
	// the store, so that clock steps and other replicas' changes are
	// noticed; the workers also look for queued runs at least this often
	// (runs created through this Engine wake them at once). It is also the
	// slack allowed between dispatch instants by the minimum-cadence rule.
	// Default 1 second.
	PollInterval time.Duration
	// Retention is how long finished runs and occurrences are kept. When
	// positive, [Engine.Run] prunes, every [PruneInterval](Retention),
	// the runs that ended more than Retention ago and the occurrences
	// whose last fire time is older than that (see "Retention" in the
	// package documentation). Zero, the default, keeps everything for
	// ever; negative is invalid.
	Retention time.Duration
	// WorkerID names this engine as a lease owner. Default: a random UUID.
	WorkerID string
	// Logger receives a record for every decision. Default: discard.
	Logger *slog.Logger
	// Observer receives metrics; nil means none.
	Observer Observer
	// OnRunFinished is called once after a run ends (completed or failed,
	// including runs failed because their lease expired), for example to
	// deliver callbacks. It runs on its own goroutine, which [Engine.Run]
	// waits for; ctx is cancelled when the shutdown grace period ends.
	OnRunFinished func(ctx context.Context, r *Run)
}

// CadencePolicy says what the engine does with a cadence that fires more
// often than [Config.MinCadence].
type CadencePolicy string

const (
	// CadenceClamp accepts the cadence with a warning; the dispatcher
	// skips fires that come too soon after the previous run
	// ([SkipMinCadence]).
	CadenceClamp CadencePolicy = "clamp"
	// CadenceReject refuses the cadence with a [*ValidationError] on
	// "cadence" naming the measured interval.
	CadenceReject CadencePolicy = "reject"
)

// ParseCadencePolicy parses "clamp" or "reject" (case-insensitive). The
// error wraps [ErrInvalid].
func ParseCadencePolicy(s string) (CadencePolicy, error) {
	switch p := CadencePolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case CadenceClamp, CadenceReject:
		return p, nil
	}
	return "", fmt.Errorf("engine: unknown cadence policy %q (want %q or %q): %w", s, CadenceClamp, CadenceReject, ErrInvalid)
}

// Observer is the engine's metrics hook. All methods must be cheap and safe
// for concurrent use; the engine calls them on its hot paths.
type Observer interface {
	// DispatchLag reports, for each dispatched fire, how long after its
	// fire time the run was created.
	DispatchLag(d time.Duration)
	// RunFinished reports each run that ended, by status (completed or
	// failed).
	RunFinished(status RunStatus)
	// Skipped reports each fire that was recorded as skipped, by reason.
	Skipped(reason SkipReason)
}

// PruneObserver is an optional capability of an [Observer]: an Observer
// that has it is told how many records each pruning pass deleted (see
// [Config.Retention]).
type PruneObserver interface {
	// Pruned reports n records (runs and occurrences) deleted by one
	// pruning pass; n > 0.
	Pruned(n int)
}

// Engine turns schedules into runs and executes them. Create one with
// [New]; its methods are safe for concurrent use. The API methods
// (CreateSchedule, CreateAgentRun, ...) work whether or not [Engine.Run] is
// running; runs are only dispatched and executed while it is.
type Engine struct {
	cfg   Config
	store Store
	log   *slog.Logger
	obs   Observer

	specs specCache

	// dispatchWake and workerWake are nudged (never blocking) when a
	// schedule changes or a run becomes queued, so the loops need not wait
	// for their next poll.
	dispatchWake chan struct{}
	workerWake   chan struct{}

	running atomic.Bool

	// inflight holds the runs this engine executes; the lease keeper
	// renews their leases.
	mu       sync.Mutex
	inflight map[string]*inflightRun
}

// New checks cfg, applies its defaults and returns an Engine. It does not
// start anything: call [Engine.Run].
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("engine: Config.Store is required: %w", ErrInvalid)
	}
	if cfg.Runner == nil {
		return nil, fmt.Errorf("engine: Config.Runner is required: %w", ErrInvalid)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
		neg  bool // negative allowed
	}{
		{"MinCadence", &cfg.MinCadence, DefaultMinCadence, true},
		{"CatchUpWindow", &cfg.CatchUpWindow, DefaultCatchUpWindow, false},
		{"RunTimeout", &cfg.RunTimeout, DefaultRunTimeout, false},
		{"LeaseDuration", &cfg.LeaseDuration, DefaultLeaseDuration, false},
		{"ShutdownGrace", &cfg.ShutdownGrace, DefaultShutdownGrace, false},
		{"PollInterval", &cfg.PollInterval, DefaultPollInterval, false},
		{"Retention", &cfg.Retention, 0, false},
	} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0 && !d.neg:
			return nil, fmt.Errorf("engine: Config.%s is negative (%s): %w", d.name, *d.v, ErrInvalid)
		}
	}
	if cfg.MinCadence < 0 {
		cfg.MinCadence = 0
	}
	switch {
	case cfg.MaxConcurrentRuns == 0:
		cfg.MaxConcurrentRuns = DefaultMaxConcurrentRuns
	case cfg.MaxConcurrentRuns < 0:
		return nil, fmt.Errorf("engine: Config.MaxConcurrentRuns is negative (%d): %w", cfg.MaxConcurrentRuns, ErrInvalid)
	}
	switch cfg.CadencePolicy {
	case "":
		cfg.CadencePolicy = CadenceClamp
	case CadenceClamp, CadenceReject:
	default:
		return nil, fmt.Errorf("engine: Config.CadencePolicy %q (want %q or %q): %w", cfg.CadencePolicy, CadenceClamp, CadenceReject, ErrInvalid)
	}
	if cfg.WorkerID == "" {
		cfg.WorkerID = newID()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		cfg:          cfg,
		store:        cfg.Store,
		log:          cfg.Logger,
		obs:          cfg.Observer,
		dispatchWake: make(chan struct{}, 1),
		workerWake:   make(chan struct{}, 1),
		inflight:     make(map[string]*inflightRun),
	}
	if e.obs == nil {
		e.obs = nopObserver{}
	}
	return e, nil
}

// WorkerID returns the name this engine leases runs under.
func (e *Engine) WorkerID() string { return e.cfg.WorkerID }

// ErrAlreadyRunning is returned by [Engine.Run] when the engine is already
// running.
var ErrAlreadyRunning = errors.New("engine: already running")

// Run dispatches due fires, executes queued runs and, if [Config.Retention]
// is set, prunes old history, until ctx ends. Then it stops claiming fires
// and acquiring runs, lets in-flight runs finish for up to
// [Config.ShutdownGrace], cancels those still running (they are recorded
// as failed), waits for every goroutine it started, and returns nil. Runners and OnRunFinished must return once their context is
// cancelled, or Run cannot return.
//
// On start, Run first fails the runs whose lease expired (their engine
// died), then handles the fires that passed while no engine was running:
// see the package documentation, "Catch-up".
//
// Run returns [ErrAlreadyRunning] if the engine is already running; after
// it returns, it may be called again.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer e.running.Store(false)
	e.log.LogAttrs(ctx, slog.LevelInfo, "engine started",
		slog.String("worker", e.cfg.WorkerID),
		slog.Duration("min_cadence", e.cfg.MinCadence),
		slog.String("cadence_policy", string(e.cfg.CadencePolicy)),
		slog.Bool("allow_overlap", e.cfg.AllowOverlap),
		slog.Duration("catch_up_window", e.cfg.CatchUpWindow),
		slog.Int("max_concurrent_runs", e.cfg.MaxConcurrentRuns),
		slog.Duration("retention", e.cfg.Retention))

	// runsCtx outlives ctx by the grace period: in-flight runs, lease
	// renewals and the recording of their outcome use it.
	runsCtx, cancelRuns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelRuns(errShutdown)

	var wg sync.WaitGroup
	wg.Go(func() { e.dispatchLoop(ctx) })
	wg.Go(func() { e.workLoop(ctx, runsCtx, cancelRuns) })
	if e.cfg.Retention > 0 {
		wg.Go(func() { e.pruneLoop(ctx) })
	}
	wg.Wait()
	e.log.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "engine stopped", slog.String("worker", e.cfg.WorkerID))
	return nil
}

// now reads the injected wall clock, in UTC with microsecond precision
// (what every store keeps).
func (e *Engine) now() time.Time {
	return e.cfg.Now().UTC().Truncate(time.Microsecond)
}

func nudge(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

type nopObserver struct{}

func (nopObserver) DispatchLag(time.Duration) {}
func (nopObserver) RunFinished(RunStatus)     {}
func (nopObserver) Skipped(SkipReason)        {}
