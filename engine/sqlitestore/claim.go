package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/engine"
)

var claimSelectSQL = `SELECT ` + scheduleCols + ` FROM schedules
	WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at <= ?
	ORDER BY next_run_at, id LIMIT ?`

const (
	// activeRunSQL must use runs_schedule_active, which holds only the
	// runs not ended (at most a few per schedule): left to itself, SQLite
	// picks runs_schedule_created and reads every run the schedule ever
	// had. Its WHERE repeats the index's, so the index applies.
	activeRunSQL = `SELECT EXISTS (SELECT 1 FROM runs INDEXED BY runs_schedule_active
		WHERE schedule_id = ? AND schedule_id IS NOT NULL AND status IN ('queued', 'in_progress'))`
	advanceScheduleSQL = `UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_dispatched_at = ?,
		version = version + 1 WHERE id = ?`
	nextDueSQL = `SELECT next_run_at FROM schedules WHERE active = 1 AND next_run_at IS NOT NULL
		ORDER BY next_run_at, id LIMIT 1`
	occurrenceExistsSQL = `SELECT EXISTS (SELECT 1 FROM occurrences WHERE schedule_id = ? AND fire_time = ?)`
	runExistsSQL        = `SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)
		OR EXISTS (SELECT 1 FROM runs WHERE schedule_id = ?2 AND schedule_id IS NOT NULL AND scheduled_for = ?3)`
)

// ClaimDue implements [engine.Store]. It runs in one write transaction:
// SQLite has a single writer, so a concurrent caller (in this process or
// another) waits, and then finds the schedules this call handled no longer
// due. A claim that would record a fire time twice or insert a second run
// for one (or a run in no valid status) is refused before any of it is
// written: the claims before it are committed, and ClaimDue returns how many
// succeeded with the error (which wraps [engine.ErrConflict], or
// [engine.ErrInvalid]). A cancelled ctx, or a failure of SQLite itself,
// commits nothing.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	const op = "claim due"
	if limit <= 0 {
		return 0, wrapErr(ctx, op, ctx.Err())
	}
	var (
		handled  int
		claimErr error
	)
	err := s.writeTx(ctx, func(q querier) error {
		handled, claimErr = 0, nil
		rows, err := q.query(claimSelectSQL, micros(now), limit)
		if err != nil {
			return err
		}
		due, err := collect(rows, scanSchedule)
		if err != nil {
			return err
		}
		for _, sc := range due {
			var active bool
			if err := q.queryRow(activeRunSQL, sc.ID).Scan(&active); err != nil {
				return err
			}
			id := sc.ID
			claim := decide(engine.Due{Schedule: sc, ActiveRun: active})
			// Check before writing, so that a refused claim leaves nothing
			// to undo (a savepoint would copy every page it touches to a
			// sub-journal).
			if err := checkClaim(q, id, claim); err != nil {
				if !errors.Is(err, engine.ErrConflict) && !errors.Is(err, engine.ErrInvalid) {
					return err
				}
				claimErr = fmt.Errorf("schedule %s: %w", id, err)
				return nil // commit the claims before this one
			}
			if err := applyClaim(q, id, claim); err != nil {
				return err // checked, so not the claim's fault: give up on all
			}
			handled++
		}
		return nil
	})
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	return handled, wrapErr(ctx, op, claimErr)
}

// checkClaim returns an error wrapping ErrConflict if claim for the
// schedule id would record a fire time twice or insert a run whose id or
// (schedule, fire time) is taken, and one wrapping ErrInvalid if its run has
// a status the schema refuses.
func checkClaim(q querier, id string, claim engine.Claim) error {
	seen := make(map[int64]bool, len(claim.Occurrences))
	for _, o := range claim.Occurrences {
		k := micros(o.FireTime)
		var exists bool
		if !seen[k] {
			if err := q.queryRow(occurrenceExistsSQL, id, k).Scan(&exists); err != nil {
				return err
			}
		}
		if seen[k] || exists {
			return fmt.Errorf("occurrence at %s already recorded: %w",
				o.FireTime.UTC().Format(time.RFC3339Nano), engine.ErrConflict)
		}
		seen[k] = true
	}
	if r := claim.Run; r != nil {
		if !r.Status.Valid() {
			return &engine.ValidationError{Field: "status", Msg: fmt.Sprintf("run %s has status %q", r.ID, r.Status)}
		}
		var exists bool
		if err := q.queryRow(runExistsSQL, r.ID, nullString(r.ScheduleID), micros(r.ScheduledFor)).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("run %s, or a run of schedule %q at %s, exists: %w", r.ID, r.ScheduleID,
				r.ScheduledFor.UTC().Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	return nil
}

// applyClaim records claim's occurrences and run and advances the schedule
// id. checkClaim has cleared it: a conflict now is an error for the whole
// transaction.
func applyClaim(q querier, id string, claim engine.Claim) error {
	for _, o := range claim.Occurrences {
		ok, err := insertOccurrence(q, id, o)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("occurrence inserted by someone else within the write transaction")
		}
	}
	if claim.Run != nil {
		args, err := runArgs(claim.Run)
		if err != nil {
			return err
		}
		if err := insertRun(q, args); err != nil {
			return err
		}
	}
	_, err := q.exec(advanceScheduleSQL, nullMicros(claim.NextRunAt), nullMicros(claim.LastRunAt),
		nullMicros(claim.LastDispatchedAt), id)
	return err
}

// NextDue implements [engine.Store]: one probe of the schedules_due index.
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := s.read(ctx).queryRow(nextDueSQL).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrapErr(ctx, "next due", err)
	}
	return fromNullMicros(next), nil
}
