// Package engine makes schedules happen: each firing of an active schedule
// becomes exactly one [Run], executed by a pluggable [Runner], with every
// decision recorded as an [Occurrence], logged with [log/slog] and counted
// through an [Observer].
//
// The engine owns the decisions; a [Store] (engine/memstore,
// engine/sqlitestore, engine/pgstore) owns atomicity. Build one with [New]
// and call [Engine.Run]; the API methods ([Engine.CreateSchedule],
// [Engine.CreateAgentRun], ...) are what the HTTP server translates.
//
//	eng, err := engine.New(engine.Config{Store: memstore.New(), Runner: myRunner})
//	...
//	go eng.Run(ctx) // returns after ctx ends and in-flight runs are drained
//
// # Schedules
//
// A schedule's cadence is a 5-field cron expression or an English phrase
// (parsed by package nlcron), evaluated in its time zone by package
// schedule, whose documentation gives the daylight-saving rule. The
// engine stores the cadence as written, the normalised cron and the zone,
// and keeps NextRunAt: the next fire time the dispatcher will handle.
//
// # Dispatching
//
// The dispatcher asks the store to claim due schedules
// ([Store.ClaimDue]). For each one it walks the fire times from NextRunAt
// up to now and decides each fire, in this order:
//
//   - missed: the fire is not the latest past one, or it is older than
//     [Config.CatchUpWindow];
//   - overlap: the schedule's previous run is still queued or in progress
//     (unless [Config.AllowOverlap]);
//   - min_cadence: the run would start less than [Config.MinCadence] after
//     the previous one, in real time;
//   - dispatched: a new queued run with ScheduleID and ScheduledFor (the
//     fire time), inheriting the schedule's chat, bundle, toolhouse, vars
//     and callback.
//
// The store inserts the occurrences and the run and advances NextRunAt in
// one atomic step, and (schedule id, fire time) is unique, so two engines
// sharing a store never run one fire twice. One claim creates at most one
// run and handles at most [MaxFiresPerClaim] fire times; a schedule stalled
// for longer is caught up over several claims.
//
// The dispatcher sleeps until the earliest NextRunAt, but never longer than
// [Config.PollInterval]: it does not trust one long timer, so a step of the
// wall clock (NTP, a resumed VM) or another replica's change is noticed
// within PollInterval. All decisions use [Config.Now]; sleeping uses
// [time.Timer], so tests drive both with testing/synctest.
//
// # Catch-up
//
// After downtime, a schedule whose fire times passed runs once, for the
// latest of them, if that is within CatchUpWindow (default 1 hour); the
// others are recorded as missed. Never a flood.
//
// # Clock steps
//
// A step back never repeats a fire: fire times up to NextRunAt were
// handled, and a fire at or before the last dispatched one is never
// dispatched again. A step forward makes the fires it jumps over due at
// once: the latest runs (if within the catch-up window) and the others are
// recorded as missed. The dispatcher logs a "wall clock stepped" record
// when the wall clock and the monotonic clock disagree. Leases are
// renewed before expired ones are failed, so a step forward does not fail
// this engine's own runs; replicas whose clocks disagree by more than a
// lease can fail each other's runs (the runs are failed, never repeated).
//
// A step forward cannot beat the minimum cadence either. The dispatcher
// remembers, for MinCadence of real time, each forward step of more than
// 10ms that it noticed (at most 8; older ones are merged into newer ones,
// which only errs towards skipping), and takes the steps made since a
// schedule's previous dispatch out of the wall-clock gap: a run that
// started just before the wall clock jumped ahead is followed by fires
// skipped as min_cadence until MinCadence of real time has passed. This
// costs O(1) per decision and nothing per schedule. Its limits: the
// memory is this process's, from the start of [Engine.Run]; across a
// restart (or for a run another replica dispatched) only the stored wall
// times exist, so a step the dispatcher did not see counts as elapsed
// time. Real time includes time the machine spent suspended (on Linux,
// CLOCK_BOOTTIME less CLOCK_MONOTONIC), so resuming a suspended VM is not
// a step: real time did pass, and the fires it jumped over catch up as
// after downtime. Elsewhere the monotonic clock stops during a suspend, so
// a suspend counts as a step there. Steps back are not added: they make
// gaps look shorter, so they can only cause a skip, never two runs too
// close.
//
// # Minimum cadence
//
// A cadence whose shortest interval between fires (schedule's MinInterval)
// is below MinCadence is accepted with a warning under [CadenceClamp] (the
// default) or refused under [CadenceReject]. Under both, the dispatcher
// skips as min_cadence any fire that comes less than MinCadence after the
// previous run's fire time, or (allowing PollInterval of slack) less than
// MinCadence after its dispatch, measured in real elapsed time, so neither
// a DST transition that shrinks the wall-clock gap nor a step of the wall
// clock (see "Clock steps") can bring two runs closer.
//
// # Pause, resume, cadence changes
//
// Pausing clears NextRunAt: no new runs, runs in flight finish. Resuming
// sets NextRunAt to the first fire after now; the paused period is not
// replayed but recorded as one occurrence, a span skipped as paused: its
// first fire time (FireTime), its last (Through) and how many fires it
// stands for (Count). So every paused fire is answerable, and storing a
// pause costs O(1) however long it lasted (an every-minute schedule paused
// for a year is one record, not 525,600). [Engine.Occurrences] returns the
// span whenever it overlaps the window asked about, once, counting as one
// against the limit; "why did 02:00 not run" during a pause is answered by
// the span that covers 02:00. A new cadence while paused closes the span
// so far (its Count is the old cadence's) and starts another. A new
// cadence takes effect from now. Deleting a schedule keeps its runs.
// Updates are compare-and-swap on the schedule's version, retried on
// conflict. The other skip reasons are recorded one occurrence per fire.
//
// # Runs
//
// Workers acquire queued runs under a lease ([Config.LeaseDuration],
// renewed every third of it), execute at most [Config.MaxConcurrentRuns]
// at once, each bounded by [Config.RunTimeout], and record the outcome
// (completed, or failed with the error). A run whose engine died is
// failed with [LeaseExpiredError] by whichever engine notices; it is never
// left in progress and never re-run silently. Agent runs
// ([Engine.CreateAgentRun]) are queued and start at once; a message added
// to a completed run ([Engine.AddMessage]) queues it again with the same
// id. [Config.OnRunFinished] is told of every run that ends.
//
// # Retention
//
// By default nothing is ever deleted. With [Config.Retention] set, Run
// also prunes (when it starts, then every [PruneInterval]: a tenth of the
// retention, between a minute and an hour) the runs that ended
// (completed or failed) more than Retention ago and the occurrences whose
// last fire time is older than that; a paused span is kept until its last
// fire is that old. Queued and in-progress runs are never deleted, the
// runs of deleted schedules go by the same rule, and a schedule's own
// fields are untouched. Each pass deletes in batches of [PruneBatch]
// ([Store.PruneBefore], one bounded transaction each) until a batch comes
// back short, and logs "history pruned" with the count; an [Observer]
// that is also a [PruneObserver] is told the count. Replicas sharing a
// store may all prune: each record is deleted once.
//
// Pruning removes the (schedule id, fire time) rows that make a fire
// unique, yet a pruned fire is never run again, because the dispatcher
// does not rely on them for fires it has run: it never dispatches a fire
// at or before the schedule's LastRunAt (the latest fire it dispatched),
// and LastRunAt only moves forward. A claim writes the LastRunAt decide
// returned, which is the old one or a later fire; resuming, a cadence
// change and the repair of a conflicting claim restart from the first
// fire after the later of now and LastRunAt; catch-up walks forward from
// NextRunAt and skips fires at or before LastRunAt like any claim. A fire
// after LastRunAt has never run, whatever became of its record. The one
// thing pruning can change: after the wall clock steps back by more than
// Retention, a skipped fire whose record was pruned may be recorded again
// (and, if it is the latest past fire, run); it never ran before, so it
// still runs at most once.
//
// # Shutdown
//
// When the context given to [Engine.Run] ends, the engine stops claiming
// fires and acquiring runs, lets in-flight runs finish for up to
// [Config.ShutdownGrace], then cancels them (they are recorded as failed)
// and returns once every goroutine it started has ended. Queued runs stay
// queued for the next start.
//
// # Logging and metrics
//
// Every decision is a structured log record: "fire dispatched",
// "fire skipped" (with its reason), "fires skipped" (missed fires, one
// record per claim), "run started", "run finished", "run failed: lease
// expired", "schedule created/updated/paused/resumed/deleted", "schedule
// cadence changed", "wall clock stepped", "history pruned". The [Observer] receives dispatch
// lag, runs by status and skips by reason.
package engine
