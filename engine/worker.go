package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LeaseExpiredError is the Error of a run failed because the engine
// executing it stopped renewing its lease (it crashed, or lost the store).
const LeaseExpiredError = "engine stopped while the run was in progress (lease expired)"

// recordTimeout bounds how long recording a run's outcome may take, even
// during shutdown.
const recordTimeout = 10 * time.Second

// Causes of a run's context being cancelled (besides a lost lease).
var (
	errShutdown   = errors.New("engine shut down")
	errRunTimeout = errors.New("run timed out")
)

// inflightRun is a run this engine executes.
type inflightRun struct {
	cancel    context.CancelFunc
	leaseLost atomic.Bool // another engine failed it: discard its outcome
}

// workers is the state of the work loop: the runs this engine executes
// and the callbacks it delivers.
type workers struct {
	e       *Engine
	runsCtx context.Context
	// recordCtx is runsCtx without its cancellation: outcomes are
	// recorded even after the grace period ends.
	recordCtx context.Context
	done      chan struct{} // one send per run that finished executing
	busy      int           // runs executing (only the work loop touches it)
	// jobs hands a run to an idle worker goroutine (unbuffered: a send
	// succeeds only if one is waiting). Worker goroutines are reused, so
	// a run costs no goroutine start (nor stack growth); the work loop
	// closes jobs when it stops, and idle workers then return.
	jobs chan *Run
	wg   sync.WaitGroup
}

// workLoop acquires queued runs and executes them, at most
// MaxConcurrentRuns at once, until ctx ends; then it drains (see Run).
func (e *Engine) workLoop(ctx, runsCtx context.Context, cancelRuns context.CancelCauseFunc) {
	w := &workers{e: e, runsCtx: runsCtx, recordCtx: context.WithoutCancel(runsCtx), done: make(chan struct{}, e.cfg.MaxConcurrentRuns), jobs: make(chan *Run)}
	keeperStop := make(chan struct{})
	var keeper sync.WaitGroup
	keeper.Go(func() { w.keepLeases(ctx, keeperStop) })

	// One timer for the loop's life: a new timer per wake-up costs as
	// much as acquiring a run from a fast store.
	timer := time.NewTimer(e.cfg.PollInterval)
	defer timer.Stop()
	for ctx.Err() == nil {
		if free := e.cfg.MaxConcurrentRuns - w.busy; free > 0 {
			now := e.now()
			runs, err := e.store.AcquireRuns(ctx, e.cfg.WorkerID, now, now.Add(e.cfg.LeaseDuration), free)
			if err != nil && ctx.Err() == nil {
				e.log.LogAttrs(ctx, slog.LevelError, "acquiring runs failed; retrying", slog.Any("error", err))
			}
			for _, r := range runs {
				w.start(r)
			}
			if len(runs) == free {
				continue // there may be more
			}
		}
		timer.Reset(e.cfg.PollInterval) // since Go 1.23 no stale tick survives Reset
		select {
		case <-ctx.Done():
		case <-w.done:
			w.busy--
			w.drain()
		case <-e.workerWake:
		case <-timer.C:
		}
	}
	close(w.jobs) // no more runs: idle workers return

	// Shutdown: no new runs; in-flight runs and callbacks get the grace
	// period, then their context is cancelled.
	if w.busy > 0 {
		e.log.LogAttrs(runsCtx, slog.LevelInfo, "engine stopping; waiting for in-flight runs",
			slog.Int("runs", w.busy), slog.Duration("grace", e.cfg.ShutdownGrace))
	}
	grace := time.NewTimer(e.cfg.ShutdownGrace)
	defer grace.Stop()
	graceC := grace.C
	all := make(chan struct{})
	go func() {
		// Runs signal done before their callbacks end; wait for both.
		w.wg.Wait()
		close(all)
	}()
	for waiting := true; waiting; {
		select {
		case <-w.done:
			w.busy--
		case <-all:
			waiting = false
		case <-graceC:
			graceC = nil
			e.log.LogAttrs(runsCtx, slog.LevelWarn, "shutdown grace period elapsed; cancelling in-flight runs", slog.Int("runs", w.busy))
			cancelRuns(errShutdown)
		}
	}
	close(keeperStop)
	keeper.Wait()
}

// drain counts the runs that finished meanwhile, so that the next
// AcquireRuns asks for all the free slots at once (with a durable store each
// call is a transaction).
func (w *workers) drain() {
	for {
		select {
		case <-w.done:
			w.busy--
		default:
			return
		}
	}
}

// start executes r on an idle worker goroutine, or on a new one if none
// is idle.
func (w *workers) start(r *Run) {
	w.busy++
	select {
	case w.jobs <- r:
	default:
		w.wg.Go(func() { w.work(r) })
	}
}

// work is a worker goroutine: it executes r, signals done, delivers the
// OnRunFinished callback (a slow callback holds this goroutine, not a run
// slot: start then uses another one), and waits for the next run until
// jobs is closed. The number of worker goroutines is thus the peak number
// of runs executing plus callbacks in progress.
func (w *workers) work(r *Run) {
	for {
		fin := w.e.execute(w.runsCtx, w.recordCtx, r)
		w.done <- struct{}{}
		if fin != nil {
			w.e.finished(w.runsCtx, fin)
		}
		var ok bool
		if r, ok = <-w.jobs; !ok {
			return
		}
	}
}

// finished reports a run that ended to the OnRunFinished hook.
func (e *Engine) finished(ctx context.Context, r *Run) {
	if e.cfg.OnRunFinished != nil {
		e.cfg.OnRunFinished(ctx, r)
	}
}

// execute runs r (already in progress under this engine's lease) and
// records its outcome. It returns the run as stored, or nil if the outcome
// could not be recorded (the lease was lost or the store failed).
func (e *Engine) execute(runsCtx, recordCtx context.Context, r *Run) *Run {
	// One context per run: its deadline is the timeout, runsCtx's cause
	// is the shutdown, and the lease keeper cancels it when the lease is
	// lost.
	//
	// r is this engine's own (the store returned it), so the runner gets
	// r itself as its copy; what is needed after the runner returns is
	// taken first, since the runner may change r.
	id, scheduleID, accountID := r.ID, r.ScheduleID, r.AccountID
	var prior []Message // the transcript so far
	if len(r.Results) > 0 {
		prior = slices.Clone(r.Results)
	}
	ctx, cancel := context.WithTimeoutCause(runsCtx, e.cfg.RunTimeout, errRunTimeout)
	defer cancel()
	ir := &inflightRun{cancel: cancel}
	e.mu.Lock()
	e.inflight[id] = ir
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.inflight, id)
		e.mu.Unlock()
	}()

	if e.log.Enabled(ctx, slog.LevelInfo) {
		e.log.LogAttrs(ctx, slog.LevelInfo, "run started",
			slog.String("run_id", id), slog.String("schedule_id", scheduleID), slog.String("account_id", accountID),
			slog.Time("scheduled_for", r.ScheduledFor), slog.Int("attempt", r.Attempt))
	}
	began := time.Now()
	res, err := e.callRunner(ctx, id, r)

	f := Finish{
		Status:           RunCompleted,
		Results:          append(prior, res.Messages...),
		LastAgentMessage: res.LastAgentMessage,
	}
	if err != nil {
		f.Status = RunFailed
		switch cause := context.Cause(ctx); {
		case ir.leaseLost.Load():
			e.log.LogAttrs(ctx, slog.LevelWarn, "run abandoned: its lease was lost (another engine failed it)", slog.String("run_id", id))
			return nil
		case ctx.Err() != nil && errors.Is(cause, errRunTimeout):
			f.Error = fmt.Sprintf("run timed out after %s", e.cfg.RunTimeout)
		case ctx.Err() != nil && errors.Is(cause, errShutdown):
			f.Error = fmt.Sprintf("engine shut down before the run finished (grace period %s elapsed)", e.cfg.ShutdownGrace)
		default:
			f.Error = err.Error()
		}
	}
	f.FinishedAt = e.now()

	// Record the outcome even if the grace period just ended; past it,
	// do not wait for the store for ever.
	rctx := recordCtx
	if runsCtx.Err() != nil {
		var cancelRecord context.CancelFunc
		rctx, cancelRecord = context.WithTimeout(rctx, recordTimeout)
		defer cancelRecord()
	}
	stored, ferr := e.store.FinishRun(rctx, id, e.cfg.WorkerID, f)
	switch {
	case errors.Is(ferr, ErrLeaseLost):
		e.log.LogAttrs(ctx, slog.LevelWarn, "run outcome discarded: its lease was lost (another engine failed it)",
			slog.String("run_id", id), slog.String("status", string(f.Status)))
		return nil
	case ferr != nil:
		// The lease is no longer renewed, so it expires and the run is
		// failed with LeaseExpiredError: never left in progress.
		e.log.LogAttrs(ctx, slog.LevelError, "recording run outcome failed",
			slog.String("run_id", id), slog.String("status", string(f.Status)), slog.Any("error", ferr))
		return nil
	}
	e.obs.RunFinished(stored.Status)
	if !e.log.Enabled(ctx, slog.LevelInfo) {
		return stored
	}
	attrs := []slog.Attr{
		slog.String("run_id", id), slog.String("schedule_id", scheduleID), slog.String("account_id", accountID),
		slog.String("status", string(stored.Status)), slog.Duration("duration", time.Since(began)),
	}
	level := slog.LevelInfo
	if stored.Status == RunFailed {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", stored.Error))
	}
	e.log.LogAttrs(ctx, level, "run finished", attrs...)
	return stored
}

// callRunner calls the runner, turning a panic into an error.
func (e *Engine) callRunner(ctx context.Context, id string, r *Run) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "runner panicked", slog.String("run_id", id),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			res, err = Result{}, fmt.Errorf("runner panicked: %v", p)
		}
	}()
	return e.cfg.Runner.Run(ctx, r)
}

// keepLeases renews the leases of this engine's in-flight runs every
// LeaseDuration/3 and, while ctx lasts, fails runs whose lease expired
// (their engine died). It renews before it expires, so that a forward step
// of the wall clock never fails this engine's own runs.
func (w *workers) keepLeases(ctx context.Context, stop <-chan struct{}) {
	e := w.e
	var callbacks sync.WaitGroup
	defer callbacks.Wait()
	w.expire(ctx, &callbacks)
	tick := time.NewTicker(max(e.cfg.LeaseDuration/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		e.renew(w.runsCtx)
		if ctx.Err() == nil {
			w.expire(ctx, &callbacks)
		}
	}
}

// renew extends the leases of the runs this engine executes; a run whose
// lease was lost is cancelled.
func (e *Engine) renew(ctx context.Context) {
	e.mu.Lock()
	ids := make([]string, 0, len(e.inflight))
	for id := range e.inflight {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	until := e.now().Add(e.cfg.LeaseDuration)
	for _, id := range ids {
		err := e.store.RenewLease(ctx, id, e.cfg.WorkerID, until)
		switch {
		case errors.Is(err, ErrLeaseLost):
			e.log.LogAttrs(ctx, slog.LevelWarn, "run lease lost; cancelling the run", slog.String("run_id", id))
			e.mu.Lock()
			if ir, ok := e.inflight[id]; ok {
				ir.leaseLost.Store(true)
				ir.cancel()
			}
			e.mu.Unlock()
		case err != nil && ctx.Err() == nil:
			e.log.LogAttrs(ctx, slog.LevelError, "renewing run lease failed", slog.String("run_id", id), slog.Any("error", err))
		}
	}
}

// expire fails the runs whose lease expired, and reports each to
// OnRunFinished on a goroutine tracked by callbacks.
func (w *workers) expire(ctx context.Context, callbacks *sync.WaitGroup) {
	e := w.e
	runs, err := e.store.ExpireLeases(ctx, e.now(), LeaseExpiredError)
	if err != nil {
		if ctx.Err() == nil {
			e.log.LogAttrs(ctx, slog.LevelError, "expiring run leases failed", slog.Any("error", err))
		}
		return
	}
	for _, r := range runs {
		e.obs.RunFinished(r.Status)
		e.log.LogAttrs(ctx, slog.LevelWarn, "run failed: lease expired",
			slog.String("run_id", r.ID), slog.String("schedule_id", r.ScheduleID), slog.String("account_id", r.AccountID),
			slog.Time("started_at", r.StartedAt), slog.Int("attempt", r.Attempt))
		callbacks.Go(func() { e.finished(w.runsCtx, r) })
	}
}
