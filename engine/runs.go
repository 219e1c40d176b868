package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// RunInput is what a client sends to start an agent run. Only ChatID is
// required.
type RunInput struct {
	ChatID string
	// ScheduleID, if set, names a schedule of the same account and agent
	// the run belongs to (it then counts for that schedule's overlap rule).
	ScheduleID  string
	Bundle      string // default "default"; case-insensitive
	ToolhouseID string // default "default"
	CallbackURL string // "" for none
	Vars        map[string]string
}

// CreateAgentRun stores a queued one-off run (ScheduledFor = now) and
// wakes the workers, so it starts at once when a slot is free. Errors:
// [*ValidationError], or [ErrForbidden] if ScheduleID is not one of the
// account's schedules or that schedule's chat_id differs.
func (e *Engine) CreateAgentRun(ctx context.Context, accountID string, in RunInput) (*Run, error) {
	if err := checkAccount(accountID); err != nil {
		return nil, err
	}
	t, err := normTarget(in.ChatID, in.Bundle, in.ToolhouseID, in.CallbackURL, in.Vars)
	if err != nil {
		return nil, err
	}
	scheduleID := strings.TrimSpace(in.ScheduleID)
	if scheduleID != "" {
		s, err := e.store.GetSchedule(ctx, accountID, scheduleID)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, fmt.Errorf("engine: create agent run: schedule %s is not yours: %w", scheduleID, ErrForbidden)
		case err != nil:
			return nil, fmt.Errorf("engine: create agent run: %w", err)
		case s.ChatID != t.chatID:
			return nil, fmt.Errorf("engine: create agent run: schedule %s belongs to another chat: %w", scheduleID, ErrForbidden)
		}
	}
	now := e.now()
	r := &Run{
		ID:           newID(),
		AccountID:    accountID,
		ChatID:       t.chatID,
		ScheduleID:   scheduleID,
		Status:       RunQueued,
		Bundle:       t.bundle,
		ToolhouseID:  t.toolhouseID,
		Vars:         t.vars,
		CallbackURL:  t.callbackURL,
		ScheduledFor: now,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if scheduleID != "" && r.ScheduledFor.Truncate(time.Minute).Equal(r.ScheduledFor) {
		// (schedule id, scheduled_for) is unique and fire times are whole
		// minutes: keep a manual run off them, so that it can never block
		// the dispatch of a fire.
		r.ScheduledFor = r.ScheduledFor.Add(time.Microsecond)
	}
	if err := e.store.CreateRun(ctx, r); err != nil {
		return nil, fmt.Errorf("engine: create agent run: %w", err)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "agent run created",
		slog.String("run_id", r.ID), slog.String("account_id", accountID), slog.String("schedule_id", scheduleID))
	nudge(e.workerWake)
	return r, nil
}

// GetRun returns the account's run, or an error matching [ErrNotFound].
func (e *Engine) GetRun(ctx context.Context, accountID, id string) (*Run, error) {
	r, err := e.store.GetRun(ctx, accountID, id)
	if err != nil {
		return nil, fmt.Errorf("engine: get run: %w", err)
	}
	return r, nil
}

// ListRuns returns one page of the account's runs matching f, newest
// first, and the cursor of the next page ("" if none). An unknown status or
// a malformed cursor is an error matching [ErrInvalid].
func (e *Engine) ListRuns(ctx context.Context, accountID string, f RunFilter) ([]*Run, string, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", &ValidationError{Field: "status", Msg: fmt.Sprintf("%q is not one of queued, in_progress, completed, failed", f.Status)}
	}
	list, next, err := e.store.ListRuns(ctx, accountID, f)
	if err != nil {
		return nil, "", fmt.Errorf("engine: list runs: %w", err)
	}
	return list, next, nil
}

// AddMessage appends a user message to a completed run's transcript and
// queues it again (same id); the workers pick it up at once. Errors:
// [ErrNotFound], [ErrRunNotCompleted] if the run is not completed, or a
// [*ValidationError] on "message".
func (e *Engine) AddMessage(ctx context.Context, accountID, id, message string) (*Run, error) {
	switch {
	case strings.TrimSpace(message) == "":
		return nil, &ValidationError{Field: "message", Msg: "is required"}
	case len(message) > MaxMessageBytes:
		return nil, &ValidationError{Field: "message", Msg: fmt.Sprintf("is longer than %d bytes", MaxMessageBytes)}
	}
	r, err := e.store.RequeueRun(ctx, accountID, id, Message{Role: "user", Content: message}, e.now())
	if err != nil {
		return nil, fmt.Errorf("engine: add message: %w", err)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "run requeued with a message",
		slog.String("run_id", id), slog.String("account_id", accountID), slog.Int("messages", len(r.Results)))
	nudge(e.workerWake)
	return r, nil
}
