package engine

import (
	"context"
	"time"
)

// Store is everything the engine persists. Implementations live in their own
// packages (memstore, sqlitestore, pgstore) and must pass the conformance
// suite in engine/enginetest.
//
// Conventions for every method:
//   - ctx is honoured: a cancelled context makes the call return an error
//     wrapping ctx.Err() and leaves the data as it was.
//   - Reads scoped by accountID never return another account's data: such
//     ids are reported as [ErrNotFound].
//   - Values passed in are not retained (stores copy what they keep), and
//     values returned are the caller's to modify.
//   - Times are UTC with at most microsecond precision and come back exactly
//     as they were stored.
//   - Occurrences are stored as given, a span's Through and Count
//     included, and keyed by (ScheduleID, FireTime) alone: a span's key is
//     its first fire time, and it does not stop an occurrence being
//     recorded at a later fire time inside it.
type Store interface {
	ScheduleStore
	RunStore
	// ClaimDue atomically handles due fires. It selects up to limit active
	// schedules whose NextRunAt is not zero and not after now, oldest
	// NextRunAt first, skipping schedules another caller is handling at the
	// same moment (two concurrent callers never receive the same schedule).
	// For each it calls decide and applies the returned [Claim] in one atomic
	// step: inserts the occurrences and the run (if any), and updates the
	// schedule's NextRunAt, LastRunAt, LastDispatchedAt and Version (+1).
	// (schedule id, fire time) is unique for both occurrences and runs, so a
	// fire can never be recorded or run twice; a Claim that would violate
	// that is an error (wrapping [ErrConflict]) and nothing of it is applied.
	//
	// Each selected schedule is handled once per call, even if its Claim
	// leaves it due. ClaimDue changes only the schedule fields named above
	// (not UpdatedAt). If applying a Claim fails, ClaimDue stops there and
	// returns the error together with the number of schedules handled
	// before it; those stay applied, and nothing of the failing Claim is.
	//
	// decide must be quick and must not call the store. ClaimDue returns the
	// number of schedules it handled.
	ClaimDue(ctx context.Context, now time.Time, limit int, decide func(Due) Claim) (int, error)
	// NextDue returns the earliest non-zero NextRunAt among active
	// schedules, or the zero time if there is none. It must be O(log n) or better.
	NextDue(ctx context.Context) (time.Time, error)
	// PruneBefore deletes history older than before, at most limit records
	// per call (runs and occurrences together), and returns how many it
	// deleted. The records it deletes are
	//   - runs that ended (completed or failed) with a FinishedAt strictly
	//     before before, whatever their account, and whether or not their
	//     schedule still exists;
	//   - occurrences whose [Occurrence.LastFire] is strictly before before:
	//     a span is kept until its last fire time is that old, even if it
	//     began earlier.
	//
	// Queued and in-progress runs are never deleted, nor are schedules (a
	// schedule's LastRunAt, NextRunAt and the rest are left as they are).
	// A count below limit means nothing else was eligible, except records
	// another caller held at that moment (a concurrent PruneBefore, or a
	// run being requeued): callers prune in batches until a call deletes
	// fewer than limit. Several callers may prune at once (replicas
	// sharing a store): each record is deleted once, and a run requeued at
	// the same moment is either requeued or deleted, never both. limit <= 0
	// deletes nothing.
	//
	// Each call is one bounded atomic step (a cancelled ctx leaves the
	// data as it was) and must not scan the records it keeps: stores index
	// runs by FinishedAt and occurrences by their last fire time.
	//
	// Deleting the (schedule id, fire time) of an old fire does not weaken
	// exactly-once: the engine never asks to run a fire at or before the
	// schedule's LastRunAt, which only moves forward (see "Retention" in
	// the package documentation).
	PruneBefore(ctx context.Context, before time.Time, limit int) (int, error)
}

// ScheduleStore persists schedules.
type ScheduleStore interface {
	// CreateSchedule stores s as given (the engine sets ID, times and
	// Version 1). An existing ID is [ErrConflict].
	CreateSchedule(ctx context.Context, s *Schedule) error
	// GetSchedule returns the account's schedule, or [ErrNotFound].
	GetSchedule(ctx context.Context, accountID, id string) (*Schedule, error)
	// ListSchedules returns the account's schedules newest first (CreatedAt
	// then ID, both descending), at most p.Limit of them, and a cursor for
	// the next page ("" when there is none: a last page that is exactly
	// full also returns "").
	ListSchedules(ctx context.Context, accountID string, p Page) ([]*Schedule, string, error)
	// UpdateSchedule replaces the stored schedule with s if the stored
	// Version equals s.Version, then sets s.Version to the new version
	// (s.Version+1). The same atomic step inserts the given occurrences,
	// spans included (occurrences already present for a fire time are left
	// as they are).
	// Returns [ErrNotFound] if the account has no such schedule and
	// [ErrConflict] if the version differs.
	UpdateSchedule(ctx context.Context, s *Schedule, record ...Occurrence) error
	// DeleteSchedule removes the account's schedule and its occurrences and
	// returns it as it was. Its runs are kept exactly as they are (in-flight
	// runs finish).
	// Returns [ErrNotFound] if there is none.
	DeleteSchedule(ctx context.Context, accountID, id string) (*Schedule, error)
	// ListOccurrences returns the recorded occurrences of the account's
	// schedule that overlap [from, to): those with from <= FireTime < to,
	// and spans that began before from and reach it (FireTime < from <=
	// Through). They come in FireTime order (so spans that began before
	// from come first), each once, at most limit of them, a span counting
	// as one (limit <= 0 means no limit). An empty window (to <= from)
	// has none. [ErrNotFound] if the schedule does not exist for that
	// account.
	//
	// Spans are few (one per pause): finding those that began before from
	// may cost O(spans of the schedule), but not a scan of its older
	// occurrences.
	ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]Occurrence, error)
}

// RunStore persists runs and their leases.
type RunStore interface {
	// CreateRun stores a new run (the engine sets every field). An existing
	// ID, or a second run for the same (ScheduleID, ScheduledFor) when
	// ScheduleID is set, is [ErrConflict]. The run is stored as given, in
	// whatever status it has.
	CreateRun(ctx context.Context, r *Run) error
	// GetRun returns the account's run, or [ErrNotFound].
	GetRun(ctx context.Context, accountID, id string) (*Run, error)
	// ListRuns returns the account's runs newest first (CreatedAt then ID,
	// descending) matching f, and a cursor for the next page.
	ListRuns(ctx context.Context, accountID string, f RunFilter) ([]*Run, string, error)
	// RequeueRun appends msg to a completed run's Results and moves it back
	// to queued (same id; Error, LastAgentMessage, StartedAt and FinishedAt
	// and lease fields cleared; UpdatedAt = now). [ErrNotFound], or
	// [ErrRunNotCompleted] if its status is not completed.
	RequeueRun(ctx context.Context, accountID, id string, msg Message, now time.Time) (*Run, error)
	// AcquireRuns moves up to limit queued runs, oldest ScheduledFor first
	// (then CreatedAt, ID), to in_progress under worker's lease: StartedAt =
	// UpdatedAt = now, Attempt+1, LeaseOwner = worker, LeaseExpiresAt =
	// leaseUntil. Two concurrent callers never acquire the same run.
	AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*Run, error)
	// RenewLease extends the lease of a run that worker holds. A lease past
	// its time stays renewable until ExpireLeases fails the run.
	// [ErrLeaseLost] if the run is not in progress under worker (an unknown
	// id included).
	RenewLease(ctx context.Context, id, worker string, until time.Time) error
	// FinishRun ends a run that worker holds, applying f, and returns the
	// run as stored. [ErrLeaseLost] if the run is not in progress under
	// worker (for example its lease expired and it was failed meanwhile).
	// UpdatedAt becomes f.FinishedAt; the lease fields are cleared.
	FinishRun(ctx context.Context, id, worker string, f Finish) (*Run, error)
	// ExpireLeases fails every in-progress run whose lease expired strictly
	// before now, with the given error text (FinishedAt = UpdatedAt = now,
	// lease fields cleared), and returns them as stored.
	ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*Run, error)
}

// KeyStore is an optional capability of a Store: persisting API keys, which
// are stored only as hashes. The demo server uses it when the store has it.
type KeyStore interface {
	// PutKey records that the key with this hash belongs to accountID.
	// Putting the same hash again is not an error.
	PutKey(ctx context.Context, hash, accountID string) error
	// AccountForKey returns the account of the key with this hash, or
	// [ErrNotFound].
	AccountForKey(ctx context.Context, hash string) (string, error)
	// CountKeys returns how many keys are stored.
	CountKeys(ctx context.Context) (int, error)
}

// Page selects one page of a newest-first listing.
type Page struct {
	Limit  int    // at most this many; <= 0 means the store's default (50)
	Cursor string // "" for the first page, else a cursor the store returned
}

// RunFilter selects runs for [RunStore.ListRuns].
type RunFilter struct {
	Page
	ScheduleID string    // only this schedule's runs, if set
	Status     RunStatus // only runs in this status, if set
}

// Due is one due schedule handed to the decide function of
// [Store.ClaimDue], while the store holds it exclusively.
type Due struct {
	Schedule *Schedule
	// ActiveRun reports whether any run of the schedule is queued or in
	// progress (the overlap rule needs it).
	ActiveRun bool
}

// Claim is the engine's decision for one due schedule, which the store
// applies atomically.
type Claim struct {
	// Occurrences to record, one per fire time handled.
	Occurrences []Occurrence
	// Run to insert (queued), or nil.
	Run *Run
	// NextRunAt, LastRunAt and LastDispatchedAt are the schedule's new
	// values (the store writes all three as given).
	NextRunAt        time.Time
	LastRunAt        time.Time
	LastDispatchedAt time.Time
}

// Finish is how a run ended, for [RunStore.FinishRun].
type Finish struct {
	Status           RunStatus // RunCompleted or RunFailed
	Results          []Message // the whole transcript, replacing the stored one
	Error            string
	LastAgentMessage string
	FinishedAt       time.Time
}

// DefaultPageLimit is the page size when [Page.Limit] is not positive.
const DefaultPageLimit = 50

// MaxPageLimit is the largest page a store returns.
const MaxPageLimit = 500
