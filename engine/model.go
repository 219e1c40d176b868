package engine

import (
	"maps"
	"strconv"
	"time"
)

// RunStatus is the lifecycle state of a [Run]:
// queued → in_progress → completed | failed, and completed → queued when a
// message is added.
type RunStatus string

// The run statuses, exactly as the API spells them.
const (
	RunQueued     RunStatus = "queued"
	RunInProgress RunStatus = "in_progress"
	RunCompleted  RunStatus = "completed"
	RunFailed     RunStatus = "failed"
)

// Valid reports whether s is one of the four run statuses.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunInProgress, RunCompleted, RunFailed:
		return true
	}
	return false
}

// Active reports whether a run in status s has not ended yet.
func (s RunStatus) Active() bool { return s == RunQueued || s == RunInProgress }

// Schedule is a recurring agent run: the agent ChatID runs at every fire
// time of Cron in Timezone while Active.
//
// All times are in UTC with at most microsecond precision; stores must
// return them exactly as given.
type Schedule struct {
	ID          string
	AccountID   string // owner: the account of the API key that created it
	ChatID      string // the agent to run
	Cadence     string // as the user wrote it: a cron expression or an English phrase
	Cron        string // normalised 5-field cron expression
	Timezone    string // IANA zone name the cron is evaluated in
	Active      bool
	Bundle      string
	ToolhouseID string
	Vars        map[string]string // nil means null
	CallbackURL string            // empty means none
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// LastRunAt is the fire time of the last dispatched run; zero if none.
	LastRunAt time.Time
	// NextRunAt is the next fire time the dispatcher will handle; zero when
	// the schedule is paused or never fires again.
	NextRunAt time.Time
	// LastDispatchedAt is the real instant the last run was dispatched; the
	// minimum-cadence clamp measures from it. Zero if none.
	LastDispatchedAt time.Time
	// PausedAt is when the schedule was last paused, or when its cadence
	// last changed while paused: the fires after it are recorded as one
	// paused span when it resumes. Zero while active.
	PausedAt time.Time
	// Version is incremented by every successful write; updates are
	// compare-and-swap on it.
	Version int64

	// Warnings are not stored: the engine fills them on create and update
	// (approximations from the phrase parser, the minimum-cadence clamp).
	Warnings []string
}

// Clone returns a deep copy of s.
func (s *Schedule) Clone() *Schedule {
	if s == nil {
		return nil
	}
	c := *s
	c.Vars = cloneVars(s.Vars)
	if s.Warnings != nil {
		c.Warnings = append([]string(nil), s.Warnings...)
	}
	return &c
}

// Message is one entry of a run's transcript.
type Message struct {
	Role    string `json:"role"` // "user", "assistant", "system", "tool"
	Content string `json:"content"`
}

// Run is one agent run: either a firing of a schedule (ScheduleID set) or a
// one-off agent run.
type Run struct {
	ID               string
	AccountID        string
	ChatID           string
	ScheduleID       string // empty for one-off agent runs
	Status           RunStatus
	Results          []Message // the transcript; nil and empty are equivalent
	Error            string
	LastAgentMessage string
	Bundle           string
	ToolhouseID      string
	Vars             map[string]string // nil means null
	CallbackURL      string
	// ScheduledFor is the fire time for scheduled runs, and the creation
	// time for one-off runs.
	ScheduledFor time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	StartedAt    time.Time // zero until it starts
	FinishedAt   time.Time // zero until it ends
	// Attempt counts how many times the run was started (1 on its first
	// execution; a re-queue with a message starts another attempt).
	Attempt int
	// LeaseOwner and LeaseExpiresAt are set while the run is in_progress:
	// the engine instance executing it renews the lease; a run whose lease
	// expired is failed by any engine.
	LeaseOwner     string
	LeaseExpiresAt time.Time
}

// IdempotencyKey identifies the unit of work for the runner: for a
// scheduled run it is the pair (schedule id, scheduled_for), which is unique;
// for a one-off run it is the run id and attempt.
func (r *Run) IdempotencyKey() string {
	if r.ScheduleID != "" {
		return r.ScheduleID + "@" + r.ScheduledFor.UTC().Format(time.RFC3339)
	}
	return r.ID + "#" + strconv.Itoa(r.Attempt)
}

// Clone returns a deep copy of r.
func (r *Run) Clone() *Run {
	if r == nil {
		return nil
	}
	c := *r
	c.Vars = cloneVars(r.Vars)
	if r.Results != nil {
		c.Results = append([]Message(nil), r.Results...)
	}
	return &c
}

// Outcome is what happened to one fire time of a schedule.
type Outcome string

// The outcomes of an occurrence. OutcomeScheduled is never stored: it marks
// upcoming fire times, which are computed.
const (
	OutcomeDispatched Outcome = "dispatched"
	OutcomeSkipped    Outcome = "skipped"
	OutcomeScheduled  Outcome = "scheduled"
)

// SkipReason says why a fire time did not produce a run.
type SkipReason string

// The reasons a fire time is skipped.
const (
	SkipOverlap    SkipReason = "overlap"     // the previous run was still queued or in progress
	SkipMinCadence SkipReason = "min_cadence" // too soon after the previous run
	SkipPaused     SkipReason = "paused"      // the schedule was paused
	SkipMissed     SkipReason = "missed"      // no engine was running, beyond the catch-up window
)

// Occurrence is one fire time of a schedule and its outcome, or a span of
// consecutive fire times with one outcome. A store holds at most one
// occurrence per (ScheduleID, FireTime).
//
// A span stands for Count fire times, from FireTime to Through (both
// included), as the schedule's cadence was while they passed. The engine
// records each paused period as one span, skipped with [SkipPaused], when
// the schedule resumes (or its cadence changes while paused), so storing a
// pause costs O(1) however long it lasted. Every other occurrence is one
// fire time: Through is zero and Count 0.
type Occurrence struct {
	ScheduleID string
	AccountID  string
	FireTime   time.Time // the fire time; a span's first one
	Through    time.Time // a span's last fire time; zero for one fire time
	Count      int       // how many fire times a span stands for (>= 1); 0 for one fire time
	Outcome    Outcome
	Reason     SkipReason // set when Outcome is OutcomeSkipped
	RunID      string     // set when Outcome is OutcomeDispatched
	RecordedAt time.Time  // zero for OutcomeScheduled
}

// IsSpan reports whether o stands for a span of fire times.
func (o Occurrence) IsSpan() bool { return !o.Through.IsZero() }

// LastFire returns the last fire time o stands for: Through for a span,
// else FireTime. To page through a window, ask again from just after the
// LastFire of the last occurrence returned.
func (o Occurrence) LastFire() time.Time {
	if o.IsSpan() {
		return o.Through
	}
	return o.FireTime
}

func cloneVars(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}
