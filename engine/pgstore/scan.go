package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nlcron/nlcron/engine"
)

// Column lists, in the order scanSchedule and scanRun read them.
const (
	scheduleCols = `id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id, vars,
		callback_url, created_at, updated_at, last_run_at, next_run_at, last_dispatched_at, paused_at, version`
	runCols = `id, account_id, chat_id, schedule_id, status, results, error, last_agent_message, bundle,
		toolhouse_id, vars, callback_url, scheduled_for, created_at, updated_at, started_at, finished_at,
		attempt, lease_owner, lease_expires_at`
	occurrenceCols = `schedule_id, account_id, fire_time, outcome, reason, run_id, recorded_at, through_time, fire_count`
)

type scanner interface {
	Scan(dest ...any) error
}

func scanSchedule(r scanner, extra ...any) (*engine.Schedule, error) {
	var (
		s                            engine.Schedule
		vars                         []byte
		last, next, lastDisp, paused pgtype.Timestamptz
	)
	dest := []any{&s.ID, &s.AccountID, &s.ChatID, &s.Cadence, &s.Cron, &s.Timezone, &s.Active, &s.Bundle,
		&s.ToolhouseID, &vars, &s.CallbackURL, &s.CreatedAt, &s.UpdatedAt, &last, &next, &lastDisp, &paused, &s.Version}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	var err error
	if s.Vars, err = decodeVars(vars); err != nil {
		return nil, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	s.UpdatedAt = s.UpdatedAt.UTC()
	s.LastRunAt = fromTS(last)
	s.NextRunAt = fromTS(next)
	s.LastDispatchedAt = fromTS(lastDisp)
	s.PausedAt = fromTS(paused)
	return &s, nil
}

func scanRun(r scanner) (*engine.Run, error) {
	var (
		run                    engine.Run
		scheduleID             pgtype.Text
		status                 string
		results, vars          []byte
		started, finished, exp pgtype.Timestamptz
		attempt                int32
	)
	if err := r.Scan(&run.ID, &run.AccountID, &run.ChatID, &scheduleID, &status, &results, &run.Error,
		&run.LastAgentMessage, &run.Bundle, &run.ToolhouseID, &vars, &run.CallbackURL, &run.ScheduledFor,
		&run.CreatedAt, &run.UpdatedAt, &started, &finished, &attempt, &run.LeaseOwner, &exp); err != nil {
		return nil, err
	}
	run.ScheduleID = scheduleID.String
	run.Status = engine.RunStatus(status)
	var err error
	if run.Vars, err = decodeVars(vars); err != nil {
		return nil, err
	}
	if results != nil {
		if err := json.Unmarshal(results, &run.Results); err != nil {
			return nil, fmt.Errorf("decode results: %w", err)
		}
		if run.Results == nil {
			run.Results = []engine.Message{}
		}
	}
	run.ScheduledFor = run.ScheduledFor.UTC()
	run.CreatedAt = run.CreatedAt.UTC()
	run.UpdatedAt = run.UpdatedAt.UTC()
	run.StartedAt = fromTS(started)
	run.FinishedAt = fromTS(finished)
	run.LeaseExpiresAt = fromTS(exp)
	run.Attempt = int(attempt)
	return &run, nil
}

func scanOccurrence(r scanner) (engine.Occurrence, error) {
	var (
		o               engine.Occurrence
		outcome, reason string
		through         pgtype.Timestamptz
		count           int64
	)
	if err := r.Scan(&o.ScheduleID, &o.AccountID, &o.FireTime, &outcome, &reason, &o.RunID, &o.RecordedAt, &through, &count); err != nil {
		return o, err
	}
	o.Through, o.Count = fromTS(through), int(count)
	o.Outcome = engine.Outcome(outcome)
	o.Reason = engine.SkipReason(reason)
	o.FireTime = o.FireTime.UTC()
	o.RecordedAt = o.RecordedAt.UTC()
	return o, nil
}

// fromTS maps NULL to the zero time.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// ts maps the zero time to NULL.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// nullText maps "" to NULL.
func nullText(s string) pgtype.Text {
	return pgtype.Text{String: s, Valid: s != ""}
}

// encodeVars maps a nil map to NULL and any other map to a JSON object.
func encodeVars(m map[string]string) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	return json.Marshal(m)
}

func decodeVars(b []byte) (map[string]string, error) {
	if b == nil {
		return nil, nil
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode vars: %w", err)
	}
	return m, nil
}

// encodeResults maps a nil transcript to NULL and any other to a JSON array.
func encodeResults(ms []engine.Message) ([]byte, error) {
	if ms == nil {
		return nil, nil
	}
	return json.Marshal(ms)
}
