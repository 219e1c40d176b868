package server

import (
	"time"

	"github.com/nlcron/nlcron/engine"
)

// The API's JSON objects. Optional values are null, never absent, as in the
// upstream API.

type scheduleJSON struct {
	ID          string            `json:"id"`
	UserID      string            `json:"user_id"`
	ChatID      string            `json:"chat_id"`
	Cadence     string            `json:"cadence"`
	Cron        string            `json:"cron"`
	Timezone    string            `json:"timezone"`
	Active      bool              `json:"active"`
	Bundle      string            `json:"bundle"`
	ToolhouseID string            `json:"toolhouse_id"`
	Vars        map[string]string `json:"vars"`
	CallbackURL *string           `json:"callback_url"`
	CreatedAt   *string           `json:"created_at"`
	UpdatedAt   *string           `json:"updated_at"`
	LastRanAt   *string           `json:"last_ran_at"`
	NextRunAt   *string           `json:"next_run_at"`
}

type runJSON struct {
	ID               string            `json:"id"`
	UserID           string            `json:"user_id"`
	ChatID           string            `json:"chat_id"`
	ScheduleID       *string           `json:"schedule_id"`
	Status           engine.RunStatus  `json:"status"`
	Results          []engine.Message  `json:"results"`
	Error            *string           `json:"error"`
	LastAgentMessage *string           `json:"last_agent_message"`
	Bundle           string            `json:"bundle"`
	ToolhouseID      string            `json:"toolhouse_id"`
	Vars             map[string]string `json:"vars"`
	CallbackURL      *string           `json:"callback_url"`
	ScheduledFor     *string           `json:"scheduled_for"`
	CreatedAt        *string           `json:"created_at"`
	UpdatedAt        *string           `json:"updated_at"`
	StartedAt        *string           `json:"started_at"`
	FinishedAt       *string           `json:"finished_at"`
}

// occurrenceJSON is one fire time, or a span of them (a paused period):
// fire_time is the first, through the last (null for one fire time), count
// how many (1 for one fire time).
type occurrenceJSON struct {
	FireTime   *string        `json:"fire_time"`
	Through    *string        `json:"through"`
	Count      int            `json:"count"`
	Outcome    engine.Outcome `json:"outcome"`
	Reason     *string        `json:"reason"`
	RunID      *string        `json:"run_id"`
	RecordedAt *string        `json:"recorded_at"`
}

// timeJSON formats t as RFC 3339 in UTC, or null when zero.
func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// strJSON is null for "".
func strJSON(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func scheduleOut(s *engine.Schedule) scheduleJSON {
	return scheduleJSON{
		ID: s.ID, UserID: s.AccountID, ChatID: s.ChatID, Cadence: s.Cadence, Cron: s.Cron,
		Timezone: s.Timezone, Active: s.Active, Bundle: s.Bundle, ToolhouseID: s.ToolhouseID,
		Vars: s.Vars, CallbackURL: strJSON(s.CallbackURL),
		CreatedAt: timeJSON(s.CreatedAt), UpdatedAt: timeJSON(s.UpdatedAt),
		LastRanAt: timeJSON(s.LastRunAt), NextRunAt: timeJSON(s.NextRunAt),
	}
}

func runOut(r *engine.Run) runJSON {
	results := r.Results
	if results == nil {
		results = []engine.Message{}
	}
	return runJSON{
		ID: r.ID, UserID: r.AccountID, ChatID: r.ChatID, ScheduleID: strJSON(r.ScheduleID),
		Status: r.Status, Results: results, Error: strJSON(r.Error),
		LastAgentMessage: strJSON(r.LastAgentMessage), Bundle: r.Bundle, ToolhouseID: r.ToolhouseID,
		Vars: r.Vars, CallbackURL: strJSON(r.CallbackURL), ScheduledFor: timeJSON(r.ScheduledFor),
		CreatedAt: timeJSON(r.CreatedAt), UpdatedAt: timeJSON(r.UpdatedAt),
		StartedAt: timeJSON(r.StartedAt), FinishedAt: timeJSON(r.FinishedAt),
	}
}

func occurrenceOut(o engine.Occurrence) occurrenceJSON {
	count := 1
	if o.IsSpan() {
		count = o.Count
	}
	return occurrenceJSON{
		FireTime: timeJSON(o.FireTime), Through: timeJSON(o.Through), Count: count,
		Outcome: o.Outcome, Reason: strJSON(string(o.Reason)),
		RunID: strJSON(o.RunID), RecordedAt: timeJSON(o.RecordedAt),
	}
}

// schedulesEnvelope and the like carry the extension fields beside data.
type listEnvelope struct {
	Data       any     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

type scheduleEnvelope struct {
	Data     scheduleJSON `json:"data"`
	Warnings []string     `json:"warnings"`
}
