package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nlcron/nlcron/schedule"
)

const (
	// claimBatch is how many due schedules one Store.ClaimDue call handles.
	claimBatch = 512
	// MaxFiresPerClaim bounds how many fire times of one schedule a single
	// claim handles. A schedule stalled for longer (say a year of
	// every-10-minutes fires) is caught up over several claims, each leaving
	// NextRunAt at the first fire it did not handle; only the claim that
	// reaches the latest past fire can dispatch a run.
	MaxFiresPerClaim = 1000
	// maxConflictRepairs bounds how many conflicting claims one tick
	// repairs before giving up until the next tick.
	maxConflictRepairs = 8
	// maxRoundsPerTick bounds how many ClaimDue calls one tick makes.
	maxRoundsPerTick = 1000
)

// dispatcher is the state of the dispatch loop; only its goroutine uses it.
type dispatcher struct {
	e   *Engine
	now time.Time // the instant the current ClaimDue call decides for

	// decisions of the current ClaimDue call, in the order decide was
	// called; index maps a schedule id to its entry (a store that retries
	// a schedule calls decide again, and the last answer counts).
	decisions []decision
	index     map[string]int

	// conflicted holds schedules whose last claim the store refused with
	// ErrConflict: their fires were already recorded, so the next claim
	// skips past them without recording anything.
	conflicted map[string]bool

	// specs caches compiled schedules without the engine-wide lock.
	specs map[specKey]*schedule.Schedule

	// occ holds the occurrences of the current ClaimDue call: each
	// Claim's Occurrences is a capacity-capped window of it, so a claim
	// costs no slice of its own. (Stores do not retain what they are
	// given; emit reads the windows before the next call reuses occ.)
	occ []Occurrence

	// ids makes run ids without the shared lock.
	ids idSource

	// steps holds the recent forward steps of the wall clock, for the
	// minimum-cadence rule (see tooSoon).
	steps stepLog

	// suspended reads how long the machine has been suspended
	// (suspendedTime; tests replace it).
	suspended func() time.Duration
}

// decision is one decide call, kept so that it is logged and observed only
// once the store has applied it.
type decision struct {
	scheduleID string
	accountID  string
	occ        []Occurrence
	run        *Run
	next       time.Time
	repaired   bool
	err        error // the schedule's cron could not be evaluated
}

func newDispatcher(e *Engine) *dispatcher {
	return &dispatcher{e: e, index: make(map[string]int), conflicted: make(map[string]bool), specs: make(map[specKey]*schedule.Schedule), suspended: suspendedTime}
}

// dispatchLoop claims due fires until ctx ends. It never sleeps longer than
// PollInterval, nor past the earliest NextRunAt it knows of, so a wall-clock
// step or another replica's change is noticed within PollInterval.
func (e *Engine) dispatchLoop(ctx context.Context) {
	d := newDispatcher(e)
	clock := d.readClock()
	for ctx.Err() == nil {
		sleep, err := d.tick(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			e.log.LogAttrs(ctx, slog.LevelError, "dispatch failed; retrying", slog.Any("error", err), slog.Duration("retry_in", e.cfg.PollInterval))
			sleep = e.cfg.PollInterval
		}
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-e.dispatchWake:
			timer.Stop()
		}
		clock = d.noteClock(ctx, clock)
	}
}

// clockReading is what the dispatch loop reads of its clocks after each
// tick and sleep: the wall clock (Config.Now), the monotonic clock, and
// how long the machine has been suspended (which the monotonic clock does
// not count).
type clockReading struct {
	wall, mono time.Time
	suspended  time.Duration
}

func (d *dispatcher) readClock() clockReading {
	return clockReading{wall: d.e.now(), mono: time.Now(), suspended: d.suspended()}
}

// noteClock compares how far the wall clock and real time moved since prev
// was read (before the previous tick): they should agree, and if not, the
// wall clock was stepped (NTP, a test's offset) during that tick or the
// sleep after it. Real time is the monotonic clock plus the time the
// machine spent suspended, so resuming a suspended machine (whose wall
// clock moved on while its monotonic clock stood still) is not a step. A
// large step is logged; a forward one is remembered for the
// minimum-cadence rule. It returns the new reading.
func (d *dispatcher) noteClock(ctx context.Context, prev clockReading) clockReading {
	e := d.e
	now := d.readClock()
	// nowReal is a monotonic reading that also counts suspended time.
	nowWall, nowReal := now.wall, now.mono.Add(now.suspended)
	step := nowWall.Sub(prev.wall) - nowReal.Sub(prev.mono.Add(prev.suspended))
	if threshold := e.cfg.PollInterval + time.Second; step > threshold || step < -threshold {
		e.log.LogAttrs(ctx, slog.LevelWarn, "wall clock stepped", slog.Duration("step", step.Round(time.Millisecond)))
	}
	if e.cfg.MinCadence > 0 {
		if step > minStep {
			d.steps.add(clockStep{after: nowWall, size: step, seen: nowReal})
		}
		d.steps.forget(nowReal, e.cfg.MinCadence)
	}
	return now
}

// tick claims every fire due now, batch by batch, and returns how long the
// loop may sleep: until the earliest NextRunAt, at most PollInterval.
func (d *dispatcher) tick(ctx context.Context) (time.Duration, error) {
	e := d.e
	repairs := 0
	for round := 0; ; round++ {
		d.now = e.now()
		d.decisions = d.decisions[:0]
		d.occ = d.occ[:0]
		clear(d.index)
		n, err := e.store.ClaimDue(ctx, d.now, claimBatch, d.decide)
		n = min(max(n, 0), len(d.decisions))
		d.emit(ctx, d.decisions[:n])
		if err != nil {
			if errors.Is(err, ErrConflict) && n < len(d.decisions) && repairs < maxConflictRepairs {
				repairs++
				bad := d.decisions[n]
				d.conflicted[bad.scheduleID] = true
				e.log.LogAttrs(ctx, slog.LevelWarn, "claim conflicts with recorded fires; skipping past them",
					slog.String("schedule_id", bad.scheduleID), slog.Any("error", err))
				continue
			}
			return 0, err
		}
		// A full batch may leave more due; so may a schedule caught up
		// only partly (MaxFiresPerClaim): claim again at once, a bounded
		// number of times so that ctx is still honoured.
		if (n < claimBatch && !d.stillDue(d.decisions[:n])) || round >= maxRoundsPerTick || ctx.Err() != nil {
			break
		}
	}
	next, err := e.store.NextDue(ctx)
	if err != nil {
		return 0, err
	}
	sleep := e.cfg.PollInterval
	if !next.IsZero() {
		switch until := next.Sub(e.now()); {
		case until <= 0:
			// Due but not claimed: another engine holds it, or its claim
			// failed. Look again soon, without spinning.
			sleep = min(sleep, 10*time.Millisecond)
		case until < sleep:
			sleep = until
		}
	}
	return sleep, nil
}

// stillDue reports whether one of the applied decisions left its schedule
// due (it had more past fires than one claim handles).
func (d *dispatcher) stillDue(applied []decision) bool {
	for _, dec := range applied {
		if !dec.next.IsZero() && !dec.next.After(d.now) {
			return true
		}
	}
	return false
}

// decide is the decide function handed to Store.ClaimDue. It walks the
// schedule's fire times from NextRunAt up to d.now (at most
// MaxFiresPerClaim of them) and decides each:
//
//   - a fire that is not the latest past one, or is older than
//     CatchUpWindow, is skipped as missed;
//   - else, if the schedule has a queued or in-progress run and overlap is
//     not allowed, it is skipped as overlap;
//   - else, if it comes less than MinCadence after the previous run, it is
//     skipped as min_cadence;
//   - else it is dispatched: a new queued run.
//
// So one claim creates at most one run.
func (d *dispatcher) decide(due Due) Claim {
	e, s, now := d.e, due.Schedule, d.now
	c := Claim{LastRunAt: s.LastRunAt, LastDispatchedAt: s.LastDispatchedAt}
	dec := decision{scheduleID: s.ID, accountID: s.AccountID}
	defer func() {
		dec.next = c.NextRunAt
		if i, ok := d.index[s.ID]; ok {
			d.decisions[i] = dec
		} else {
			d.index[s.ID] = len(d.decisions)
			d.decisions = append(d.decisions, dec)
		}
	}()

	sp, err := d.spec(s)
	if err != nil {
		// A stored cron that no longer compiles: stop firing rather than
		// fail every claim. Updating the cadence revives it.
		dec.err = err
		return c
	}
	if d.conflicted[s.ID] {
		delete(d.conflicted, s.ID)
		dec.repaired = true
		c.NextRunAt = nextFire(sp, laterOf(now, s.LastRunAt))
		return c
	}

	t := s.NextRunAt
	first := len(d.occ)
	for i := 0; i < MaxFiresPerClaim && !t.IsZero() && !t.After(now); i++ {
		next := nextFire(sp, t)
		if !s.LastRunAt.IsZero() && !t.After(s.LastRunAt) {
			t = next // already dispatched (the clock went back); never twice
			continue
		}
		latest := next.IsZero() || next.After(now)
		o := Occurrence{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: t, Outcome: OutcomeSkipped, RecordedAt: now}
		switch {
		case !latest || now.Sub(t) > e.cfg.CatchUpWindow:
			o.Reason = SkipMissed
		case due.ActiveRun && !e.cfg.AllowOverlap:
			o.Reason = SkipOverlap
		case d.tooSoon(s, t):
			o.Reason = SkipMinCadence
		default:
			r := &Run{
				ID:           d.ids.newID(),
				AccountID:    s.AccountID,
				ChatID:       s.ChatID,
				ScheduleID:   s.ID,
				Status:       RunQueued,
				Bundle:       s.Bundle,
				ToolhouseID:  s.ToolhouseID,
				Vars:         cloneVars(s.Vars),
				CallbackURL:  s.CallbackURL,
				ScheduledFor: t,
				CreatedAt:    now,
				UpdatedAt:    now,
			}
			o.Outcome, o.Reason, o.RunID = OutcomeDispatched, "", r.ID
			c.Run, c.LastRunAt, c.LastDispatchedAt = r, t, now
			dec.run = r
		}
		d.occ = append(d.occ, o)
		t = next
	}
	if len(d.occ) > first {
		c.Occurrences = d.occ[first:len(d.occ):len(d.occ)]
	}
	dec.occ = c.Occurrences
	c.NextRunAt = t
	return c
}

// spec is [Engine.spec] with a cache private to the dispatcher.
func (d *dispatcher) spec(s *Schedule) (*schedule.Schedule, error) {
	k := specKey{s.Cron, s.Timezone}
	if sp, ok := d.specs[k]; ok {
		return sp, nil
	}
	sp, err := d.e.spec(s)
	if err != nil {
		return nil, err
	}
	if len(d.specs) >= maxCachedSpecs {
		clear(d.specs)
	}
	d.specs[k] = sp
	return sp, nil
}

// tooSoon reports whether a run for fire time t, dispatched at d.now, would
// start less than MinCadence after the schedule's previous run. Both gaps
// are real durations between instants, so a DST transition that shrinks
// the wall-clock gap is measured as it really is. The gap between dispatch
// instants is real elapsed time: the forward steps of the wall clock this
// dispatcher saw since the previous dispatch are taken out of it. It is
// allowed PollInterval of slack, since dispatch lags fire times by up to
// that much.
func (d *dispatcher) tooSoon(s *Schedule, t time.Time) bool {
	minGap := d.e.cfg.MinCadence
	if minGap <= 0 {
		return false
	}
	if !s.LastRunAt.IsZero() && t.Sub(s.LastRunAt) < minGap {
		return true
	}
	if !s.LastDispatchedAt.IsZero() {
		// A negative wall-clock gap (the clock went back, or another
		// replica's clock is ahead) says nothing about real time.
		if gap := d.now.Sub(s.LastDispatchedAt); gap >= 0 && gap-d.steps.since(s.LastDispatchedAt)+d.e.cfg.PollInterval < minGap {
			return true
		}
	}
	return false
}

// emit logs and observes decisions the store applied.
func (d *dispatcher) emit(ctx context.Context, applied []decision) {
	e := d.e
	woke := false
	for _, dec := range applied {
		if dec.err != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "schedule cannot be evaluated; it will not fire until its cadence is updated",
				slog.String("schedule_id", dec.scheduleID), slog.Any("error", dec.err))
			continue
		}
		if dec.repaired {
			e.log.LogAttrs(ctx, slog.LevelWarn, "schedule skipped fires already recorded",
				slog.String("schedule_id", dec.scheduleID), slog.Time("next_run_at", dec.next))
			continue
		}
		var missed int // fires skipped as missed, from firstMissed to lastMissed
		var firstMissed, lastMissed time.Time
		for _, o := range dec.occ {
			switch {
			case o.Outcome == OutcomeDispatched:
				lag := d.now.Sub(o.FireTime)
				e.obs.DispatchLag(lag)
				e.log.LogAttrs(ctx, slog.LevelInfo, "fire dispatched",
					slog.String("schedule_id", dec.scheduleID), slog.String("account_id", dec.accountID),
					slog.Time("fire_time", o.FireTime), slog.String("run_id", o.RunID),
					slog.Duration("lag", lag), slog.Time("next_run_at", dec.next))
			case o.Reason == SkipMissed:
				e.obs.Skipped(o.Reason)
				if missed == 0 {
					firstMissed = o.FireTime
				}
				missed++
				lastMissed = o.FireTime
			default:
				e.obs.Skipped(o.Reason)
				e.log.LogAttrs(ctx, slog.LevelInfo, "fire skipped",
					slog.String("schedule_id", dec.scheduleID), slog.String("account_id", dec.accountID),
					slog.Time("fire_time", o.FireTime), slog.String("reason", string(o.Reason)),
					slog.Time("next_run_at", dec.next))
			}
		}
		// Missed fires can be many (a long downtime): one record per claim.
		if missed > 0 {
			e.log.LogAttrs(ctx, slog.LevelInfo, "fires skipped",
				slog.String("schedule_id", dec.scheduleID), slog.String("account_id", dec.accountID),
				slog.String("reason", string(SkipMissed)), slog.Int("count", missed),
				slog.Time("first", firstMissed), slog.Time("last", lastMissed),
				slog.Time("next_run_at", dec.next))
		}
		woke = woke || dec.run != nil
	}
	if woke { // the store already holds every run of applied: one nudge wakes the workers for all
		nudge(e.workerWake)
	}
}

// nextFire returns sp's first fire after t, in UTC; zero if none.
func nextFire(sp *schedule.Schedule, t time.Time) time.Time {
	return sp.Next(t).UTC()
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
