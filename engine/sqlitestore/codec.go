package sqlitestore

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// micros is t as stored in a NOT NULL time column.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is t as stored in a nullable time column: NULL for the zero
// time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// fromNullMicros is the inverse of nullMicros.
func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// nullString is s as stored in a nullable text column: NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// encodeJSON marshals v for a nullable JSON column; isNil says whether v is
// a nil map or slice, stored as NULL.
func encodeJSON(v any, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func encodeVars(m map[string]string) (any, error) { return encodeJSON(m, m == nil) }

func encodeResults(ms []engine.Message) (any, error) { return encodeJSON(ms, ms == nil) }

func decodeVars(v sql.NullString) (map[string]string, error) {
	if !v.Valid {
		return nil, nil
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(v.String), &m); err != nil {
		return nil, fmt.Errorf("decode vars: %w", err)
	}
	return m, nil
}

func decodeResults(v sql.NullString) ([]engine.Message, error) {
	if !v.Valid {
		return nil, nil
	}
	ms := []engine.Message{}
	if err := json.Unmarshal([]byte(v.String), &ms); err != nil {
		return nil, fmt.Errorf("decode results: %w", err)
	}
	return ms, nil
}

// cursor is a position in a newest-first listing: the (created_at, id) of
// the last item returned. Its text form is opaque to callers.
type cursor struct {
	at int64
	id string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + ":" + c.id))
}

// parseCursor decodes a cursor made by cursor.String; anything else is an
// error matching engine.ErrInvalid.
func parseCursor(s string) (cursor, error) {
	bad := &engine.ValidationError{Field: "cursor", Msg: "malformed cursor"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), ":")
	if !ok || id == "" {
		return cursor{}, bad
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return cursor{}, bad
	}
	return cursor{at: n, id: id}, nil
}

// pageLimit is the number of items a page holds.
func pageLimit(n int) int {
	if n <= 0 {
		return engine.DefaultPageLimit
	}
	return min(n, engine.MaxPageLimit)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

const scheduleCols = `id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id, vars,
	callback_url, created_at, updated_at, last_run_at, next_run_at, last_dispatched_at, paused_at, version`

func scanSchedule(sc scanner) (*engine.Schedule, error) {
	var (
		s                                             engine.Schedule
		vars                                          sql.NullString
		created                                       int64
		updated, lastRun, nextRun, lastDisp, pausedAt sql.NullInt64
	)
	if err := sc.Scan(&s.ID, &s.AccountID, &s.ChatID, &s.Cadence, &s.Cron, &s.Timezone, &s.Active,
		&s.Bundle, &s.ToolhouseID, &vars, &s.CallbackURL, &created, &updated, &lastRun, &nextRun,
		&lastDisp, &pausedAt, &s.Version); err != nil {
		return nil, err
	}
	var err error
	if s.Vars, err = decodeVars(vars); err != nil {
		return nil, fmt.Errorf("schedule %s: %w", s.ID, err)
	}
	s.CreatedAt = fromMicros(created)
	s.UpdatedAt = fromNullMicros(updated)
	s.LastRunAt = fromNullMicros(lastRun)
	s.NextRunAt = fromNullMicros(nextRun)
	s.LastDispatchedAt = fromNullMicros(lastDisp)
	s.PausedAt = fromNullMicros(pausedAt)
	return &s, nil
}

// scheduleArgs are the values of scheduleCols for s, in order.
func scheduleArgs(s *engine.Schedule) ([]any, error) {
	vars, err := encodeVars(s.Vars)
	if err != nil {
		return nil, err
	}
	return []any{s.ID, s.AccountID, s.ChatID, s.Cadence, s.Cron, s.Timezone, s.Active,
		s.Bundle, s.ToolhouseID, vars, s.CallbackURL, micros(s.CreatedAt), nullMicros(s.UpdatedAt),
		nullMicros(s.LastRunAt), nullMicros(s.NextRunAt), nullMicros(s.LastDispatchedAt),
		nullMicros(s.PausedAt), s.Version}, nil
}

const runCols = `id, account_id, chat_id, schedule_id, status, results, error, last_agent_message, bundle,
	toolhouse_id, vars, callback_url, scheduled_for, created_at, updated_at, started_at, finished_at,
	attempt, lease_owner, lease_expires_at`

func scanRun(sc scanner) (*engine.Run, error) {
	var (
		r                                      engine.Run
		scheduleID, results, vars              sql.NullString
		scheduledFor, created                  int64
		updated, started, finished, leaseUntil sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &r.AccountID, &r.ChatID, &scheduleID, &r.Status, &results, &r.Error,
		&r.LastAgentMessage, &r.Bundle, &r.ToolhouseID, &vars, &r.CallbackURL, &scheduledFor, &created,
		&updated, &started, &finished, &r.Attempt, &r.LeaseOwner, &leaseUntil); err != nil {
		return nil, err
	}
	r.ScheduleID = scheduleID.String
	var err error
	if r.Results, err = decodeResults(results); err != nil {
		return nil, fmt.Errorf("run %s: %w", r.ID, err)
	}
	if r.Vars, err = decodeVars(vars); err != nil {
		return nil, fmt.Errorf("run %s: %w", r.ID, err)
	}
	r.ScheduledFor = fromMicros(scheduledFor)
	r.CreatedAt = fromMicros(created)
	r.UpdatedAt = fromNullMicros(updated)
	r.StartedAt = fromNullMicros(started)
	r.FinishedAt = fromNullMicros(finished)
	r.LeaseExpiresAt = fromNullMicros(leaseUntil)
	return &r, nil
}

// runArgs are the values of runCols for r, in order.
func runArgs(r *engine.Run) ([]any, error) {
	results, err := encodeResults(r.Results)
	if err != nil {
		return nil, err
	}
	vars, err := encodeVars(r.Vars)
	if err != nil {
		return nil, err
	}
	return []any{r.ID, r.AccountID, r.ChatID, nullString(r.ScheduleID), string(r.Status), results, r.Error,
		r.LastAgentMessage, r.Bundle, r.ToolhouseID, vars, r.CallbackURL, micros(r.ScheduledFor),
		micros(r.CreatedAt), nullMicros(r.UpdatedAt), nullMicros(r.StartedAt), nullMicros(r.FinishedAt),
		r.Attempt, r.LeaseOwner, nullMicros(r.LeaseExpiresAt)}, nil
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
