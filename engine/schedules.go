package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nlcron/nlcron/schedule"
)

const (
	// maxUpdateAttempts bounds the compare-and-swap retries of an update.
	maxUpdateAttempts = 5
	// DefaultOccurrenceLimit and MaxOccurrenceLimit bound
	// [Engine.Occurrences].
	DefaultOccurrenceLimit = 100
	MaxOccurrenceLimit     = 1000
	// MaxUpcoming bounds [Engine.Upcoming].
	MaxUpcoming = 1000
)

// ScheduleInput is what a client sends to create a schedule. Only ChatID
// and Cadence are required.
type ScheduleInput struct {
	ChatID string
	// Cadence is a 5-field cron expression or an English phrase
	// ("every weekday at 9am", "sundays at 5pm America/New_York").
	Cadence string
	// Timezone is the IANA zone the cadence is evaluated in; default UTC,
	// or the zone the phrase names. Naming a different zone in both is an
	// error.
	Timezone    string
	Bundle      string // default "default"; case-insensitive
	ToolhouseID string // default "default"
	CallbackURL string // "" for none
	Vars        map[string]string
}

// ScheduleUpdate changes some fields of a schedule. A nil field keeps its
// value; a pointer to "" (CallbackURL) or to a nil map (Vars) clears it.
type ScheduleUpdate struct {
	ChatID      *string
	Cadence     *string
	Timezone    *string
	Bundle      *string
	ToolhouseID *string
	CallbackURL *string
	Vars        *map[string]string
	// Active pauses (false) or resumes (true) the schedule.
	Active *bool
}

// CreateSchedule validates in and stores a new active schedule owned by
// accountID. The returned schedule carries Warnings (approximations of the
// phrase, the minimum-cadence clamp). Invalid input is a
// [*ValidationError].
func (e *Engine) CreateSchedule(ctx context.Context, accountID string, in ScheduleInput) (*Schedule, error) {
	if err := checkAccount(accountID); err != nil {
		return nil, err
	}
	t, err := normTarget(in.ChatID, in.Bundle, in.ToolhouseID, in.CallbackURL, in.Vars)
	if err != nil {
		return nil, err
	}
	tz := strings.TrimSpace(in.Timezone)
	loc, err := e.loadLocation(tz)
	if err != nil {
		return nil, err
	}
	cad, err := e.parseCadence(in.Cadence, loc, tz != "")
	if err != nil {
		return nil, err
	}
	now := e.now()
	s := &Schedule{
		ID:          newID(),
		AccountID:   accountID,
		ChatID:      t.chatID,
		Cadence:     strings.TrimSpace(in.Cadence),
		Cron:        cad.cron,
		Timezone:    cad.loc.String(),
		Active:      true,
		Bundle:      t.bundle,
		ToolhouseID: t.toolhouseID,
		Vars:        t.vars,
		CallbackURL: t.callbackURL,
		CreatedAt:   now,
		UpdatedAt:   now,
		NextRunAt:   nextFire(cad.spec, now),
		Version:     1,
	}
	if err := e.store.CreateSchedule(ctx, s); err != nil {
		return nil, fmt.Errorf("engine: create schedule: %w", err)
	}
	s.Warnings = cad.warnings
	e.log.LogAttrs(ctx, slog.LevelInfo, "schedule created",
		slog.String("schedule_id", s.ID), slog.String("account_id", accountID),
		slog.String("cadence", s.Cadence), slog.String("cron", s.Cron), slog.String("timezone", s.Timezone),
		slog.Time("next_run_at", s.NextRunAt), slog.Any("warnings", s.Warnings))
	nudge(e.dispatchWake)
	return s, nil
}

// GetSchedule returns the account's schedule, or an error matching
// [ErrNotFound].
func (e *Engine) GetSchedule(ctx context.Context, accountID, id string) (*Schedule, error) {
	s, err := e.store.GetSchedule(ctx, accountID, id)
	if err != nil {
		return nil, fmt.Errorf("engine: get schedule: %w", err)
	}
	return s, nil
}

// ListSchedules returns one page of the account's schedules, newest first,
// and the cursor of the next page ("" if none). A malformed cursor is an
// error matching [ErrInvalid].
func (e *Engine) ListSchedules(ctx context.Context, accountID string, p Page) ([]*Schedule, string, error) {
	list, next, err := e.store.ListSchedules(ctx, accountID, p)
	if err != nil {
		return nil, "", fmt.Errorf("engine: list schedules: %w", err)
	}
	return list, next, nil
}

// UpdateSchedule applies u to the account's schedule and returns it, with
// Warnings for its cadence. It is a compare-and-swap on the schedule's
// Version, retried a few times when another writer (such as the
// dispatcher) got there first.
//
//   - Pausing (Active false) sets PausedAt and clears NextRunAt: no new
//     runs; runs in flight finish.
//   - Resuming sets NextRunAt to the first fire after now; the fires of
//     the paused period are not replayed but recorded as one span skipped
//     with [SkipPaused] (see [Occurrence]): its first and last fire time
//     and how many there were, however long the pause. Counting them costs
//     O(fires), about 20ms for a year of every-minute fires.
//   - A new cadence or time zone while paused records the fires of the
//     paused period so far as a span of the old cadence, and PausedAt
//     moves to now, so every span counts the fires of the cadence in force.
//   - A new cadence or time zone takes effect from now: NextRunAt becomes
//     its first fire after now, except that a fire of the old cadence that
//     is already due and not yet dispatched is still handled. Runs in
//     flight are untouched.
//
// Errors: [ErrNotFound], [*ValidationError], or [ErrConflict] if the
// retries are exhausted.
func (e *Engine) UpdateSchedule(ctx context.Context, accountID, id string, u ScheduleUpdate) (*Schedule, error) {
	if err := checkAccount(accountID); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		cur, err := e.store.GetSchedule(ctx, accountID, id)
		if err != nil {
			return nil, fmt.Errorf("engine: update schedule: %w", err)
		}
		s, ch, err := e.applyUpdate(cur, u, e.now())
		if err != nil {
			return nil, err
		}
		err = e.store.UpdateSchedule(ctx, s, ch.paused...)
		if errors.Is(err, ErrConflict) && attempt < maxUpdateAttempts {
			e.log.LogAttrs(ctx, slog.LevelDebug, "schedule update raced another writer; retrying",
				slog.String("schedule_id", id), slog.Int("attempt", attempt))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("engine: update schedule: %w", err)
		}
		e.logUpdate(ctx, cur, s, ch)
		nudge(e.dispatchWake)
		return s, nil
	}
}

// change describes what an update did, for the log.
type change struct {
	fields         []string
	cadenceChanged bool
	paused         []Occurrence // the paused period's span, if it is recorded now
	keptDue        bool         // a due fire of the old cadence is kept
}

// applyUpdate returns a copy of cur with u applied at instant now.
func (e *Engine) applyUpdate(cur *Schedule, u ScheduleUpdate, now time.Time) (*Schedule, change, error) {
	s := cur.Clone()
	var ch change
	set := func(field string, dst *string, v *string, norm func(string) (string, error)) error {
		if v == nil {
			return nil
		}
		n, err := norm(*v)
		if err != nil {
			return err
		}
		if n != *dst {
			ch.fields = append(ch.fields, field)
		}
		*dst = n
		return nil
	}
	if err := set("chat_id", &s.ChatID, u.ChatID, normChatID); err != nil {
		return nil, ch, err
	}
	if err := set("bundle", &s.Bundle, u.Bundle, normBundle); err != nil {
		return nil, ch, err
	}
	if err := set("toolhouse_id", &s.ToolhouseID, u.ToolhouseID, normToolhouseID); err != nil {
		return nil, ch, err
	}
	if err := set("callback_url", &s.CallbackURL, u.CallbackURL, normCallbackURL); err != nil {
		return nil, ch, err
	}
	if u.Vars != nil {
		vars, err := checkVars(*u.Vars)
		if err != nil {
			return nil, ch, err
		}
		s.Vars = vars
		ch.fields = append(ch.fields, "vars")
	}

	oldSpec, oldErr := e.spec(cur)
	spec := oldSpec
	if u.Cadence != nil || u.Timezone != nil {
		text := cur.Cadence
		if u.Cadence != nil {
			text = *u.Cadence
		}
		zone := cur.Timezone
		if u.Timezone != nil {
			zone = strings.TrimSpace(*u.Timezone)
		}
		loc, err := e.loadLocation(zone)
		if err != nil {
			return nil, ch, err
		}
		cad, err := e.parseCadence(text, loc, u.Timezone != nil && zone != "")
		if err != nil {
			return nil, ch, err
		}
		s.Cadence, s.Cron, s.Timezone = strings.TrimSpace(text), cad.cron, cad.loc.String()
		s.Warnings = cad.warnings
		spec = cad.spec
		if s.Cron != cur.Cron || s.Timezone != cur.Timezone {
			ch.cadenceChanged = true
			ch.fields = append(ch.fields, "cadence")
		}
	} else if loc, err := e.loadLocation(cur.Timezone); err == nil {
		// Same cadence: report its warnings again, if it still parses.
		if cad, err := e.parseCadence(cur.Cadence, loc, false); err == nil {
			s.Warnings = cad.warnings
		}
	}
	if spec == nil {
		return nil, ch, fmt.Errorf("engine: update schedule %s: %w", cur.ID, oldErr)
	}

	if u.Active != nil {
		s.Active = *u.Active
	}
	switch {
	case cur.Active && !s.Active: // pause
		s.PausedAt, s.NextRunAt = now, time.Time{}
		ch.fields = append(ch.fields, "active")
	case !cur.Active && s.Active: // resume
		ch.paused = pausedSpan(oldSpec, cur, now)
		s.PausedAt = time.Time{}
		s.NextRunAt = nextFire(spec, laterOf(now, s.LastRunAt))
		ch.fields = append(ch.fields, "active")
	case !s.Active && ch.cadenceChanged && !cur.PausedAt.IsZero(): // new cadence while paused
		// The fires so far were the old cadence's: record them now, and
		// count the new cadence's from here.
		ch.paused = pausedSpan(oldSpec, cur, now)
		s.PausedAt = now
	case s.Active && ch.cadenceChanged:
		if due := cur.NextRunAt; !due.IsZero() && !due.After(now) {
			ch.keptDue = true // the dispatcher has yet to handle it
		} else {
			s.NextRunAt = nextFire(spec, laterOf(now, s.LastRunAt))
		}
	}
	s.UpdatedAt = now
	return s, ch, nil
}

// pausedSpan returns the fires of sp after s.PausedAt (and after
// s.LastRunAt) up to now as one [SkipPaused] span, or nil if there were
// none (or s has no PausedAt, or sp is nil). It walks the fires to count
// them: O(fires), about 40ns each for a plain cron.
func pausedSpan(sp *schedule.Schedule, s *Schedule, now time.Time) []Occurrence {
	if sp == nil || s.PausedAt.IsZero() {
		return nil
	}
	first := sp.Next(laterOf(s.PausedAt, s.LastRunAt))
	if first.IsZero() || first.After(now) {
		return nil
	}
	last, n := first, 1
	for t := sp.Next(first); !t.IsZero() && !t.After(now); t = sp.Next(t) {
		last = t
		n++
	}
	return []Occurrence{{
		ScheduleID: s.ID, AccountID: s.AccountID, FireTime: first.UTC(), Through: last.UTC(), Count: n,
		Outcome: OutcomeSkipped, Reason: SkipPaused, RecordedAt: now,
	}}
}

func (e *Engine) logUpdate(ctx context.Context, old, s *Schedule, ch change) {
	id := slog.String("schedule_id", s.ID)
	acct := slog.String("account_id", s.AccountID)
	switch {
	case old.Active && !s.Active:
		e.log.LogAttrs(ctx, slog.LevelInfo, "schedule paused", id, acct)
	case !old.Active && s.Active:
		attrs := append([]slog.Attr{id, acct, slog.Time("next_run_at", s.NextRunAt)}, pausedAttrs(ch.paused)...)
		e.log.LogAttrs(ctx, slog.LevelInfo, "schedule resumed", attrs...)
	}
	for _, o := range ch.paused {
		for range o.Count {
			e.obs.Skipped(SkipPaused)
		}
	}
	if ch.cadenceChanged {
		attrs := []slog.Attr{id, acct,
			slog.String("old_cron", old.Cron), slog.String("old_timezone", old.Timezone),
			slog.String("cron", s.Cron), slog.String("timezone", s.Timezone),
			slog.Time("next_run_at", s.NextRunAt), slog.Bool("due_fire_kept", ch.keptDue)}
		if !s.Active {
			attrs = append(attrs, pausedAttrs(ch.paused)...)
		}
		e.log.LogAttrs(ctx, slog.LevelInfo, "schedule cadence changed", attrs...)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "schedule updated", id, acct,
		slog.Any("changed", ch.fields), slog.Int64("version", s.Version))
}

// pausedAttrs describes a recorded paused span for the log: how many fires,
// the first and the last.
func pausedAttrs(paused []Occurrence) []slog.Attr {
	if len(paused) == 0 {
		return []slog.Attr{slog.Int("paused_fires", 0)}
	}
	o := paused[0]
	return []slog.Attr{slog.Int("paused_fires", o.Count), slog.Time("first", o.FireTime), slog.Time("last", o.Through)}
}

// DeleteSchedule removes the account's schedule and its occurrences and
// returns it as it was. Its runs are kept; runs in flight finish. An
// unknown id is [ErrNotFound].
func (e *Engine) DeleteSchedule(ctx context.Context, accountID, id string) (*Schedule, error) {
	s, err := e.store.DeleteSchedule(ctx, accountID, id)
	if err != nil {
		return nil, fmt.Errorf("engine: delete schedule: %w", err)
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "schedule deleted", slog.String("schedule_id", id), slog.String("account_id", accountID))
	return s, nil
}

// Occurrences answers "when did it run, why did it not, and when will it":
// the recorded occurrences of the account's schedule with from <= FireTime
// < to, followed by its upcoming fire times in that window (Outcome
// [OutcomeScheduled]; none while paused), in FireTime order, at most limit
// in all (<= 0 means [DefaultOccurrenceLimit]; at most
// [MaxOccurrenceLimit]). A zero to means no upper bound. Errors:
// [ErrNotFound], or a [*ValidationError] on "to" if to is before from.
//
// A paused period is one occurrence, a span (see [Occurrence]): FireTime
// is its first fire, Through its last, Count how many. It is returned
// whenever it overlaps [from, to), so it can come first with a FireTime
// before from, and it counts as one against limit. To page through a
// window, ask again from just after the last occurrence's
// [Occurrence.LastFire]: a span is then never returned twice.
func (e *Engine) Occurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]Occurrence, error) {
	if limit <= 0 {
		limit = DefaultOccurrenceLimit
	}
	limit = min(limit, MaxOccurrenceLimit)
	if !to.IsZero() && to.Before(from) {
		return nil, &ValidationError{Field: "to", Msg: "is before from"}
	}
	s, err := e.store.GetSchedule(ctx, accountID, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("engine: occurrences: %w", err)
	}
	storeTo := to
	if storeTo.IsZero() {
		storeTo = time.Unix(1<<40, 0).UTC() // far enough: year 36812
	}
	recorded, err := e.store.ListOccurrences(ctx, accountID, scheduleID, from, storeTo, limit)
	if err != nil {
		return nil, fmt.Errorf("engine: occurrences: %w", err)
	}
	out := recorded
	if len(out) >= limit || !s.Active || s.NextRunAt.IsZero() {
		return out, nil
	}
	sp, err := e.spec(s)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(recorded))
	for _, o := range recorded {
		seen[o.FireTime.UnixMicro()] = true
	}
	t := s.NextRunAt
	if t.Before(from) {
		t = nextFire(sp, from.Add(-time.Nanosecond))
	}
	for ; !t.IsZero() && (to.IsZero() || t.Before(to)) && len(out) < limit; t = nextFire(sp, t) {
		if seen[t.UnixMicro()] {
			continue
		}
		out = append(out, Occurrence{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: t, Outcome: OutcomeScheduled})
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int { return cmp.Compare(a.FireTime.UnixMicro(), b.FireTime.UnixMicro()) })
	return out, nil
}

// Upcoming returns the next n fire times of s (at most [MaxUpcoming]), in
// UTC, starting with its NextRunAt (which may be due already). A paused
// schedule has none. A schedule not yet stored (NextRunAt zero) counts
// from now.
func (e *Engine) Upcoming(s *Schedule, n int) []time.Time {
	if s == nil || n <= 0 || !s.Active {
		return nil
	}
	sp, err := e.spec(s)
	if err != nil {
		return nil
	}
	n = min(n, MaxUpcoming)
	t := s.NextRunAt
	if t.IsZero() {
		t = nextFire(sp, e.now())
	}
	var out []time.Time
	for ; !t.IsZero() && len(out) < n; t = nextFire(sp, t) {
		out = append(out, t)
	}
	return out
}
