package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// ClaimDue implements [engine.Store]. It runs in one write transaction:
// SQLite has a single writer, so a concurrent caller (in this process or
// another) waits, and then finds the schedules this call handled no longer
// due. Each schedule's claim is applied under a savepoint: a claim that
// fails (a fire time already recorded, a run already there) is undone
// entirely, the claims before it are committed, and ClaimDue returns how
// many succeeded with the error. A cancelled ctx commits nothing.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	const op = "claim due"
	if limit <= 0 {
		return 0, wrapErr(ctx, op, ctx.Err())
	}
	var (
		handled  int
		claimErr error
	)
	err := s.writeTx(ctx, func(c *sql.Conn) error {
		rows, err := c.QueryContext(ctx, `SELECT `+scheduleCols+` FROM schedules
			WHERE active = 1 AND next_run_at IS NOT NULL AND next_run_at <= ?
			ORDER BY next_run_at, id LIMIT ?`, micros(now), limit)
		if err != nil {
			return err
		}
		due, err := collect(rows, scanSchedule)
		if err != nil {
			return err
		}
		for _, sc := range due {
			var active bool
			if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM runs
				WHERE schedule_id = ? AND schedule_id IS NOT NULL AND status IN ('queued', 'in_progress'))`,
				sc.ID).Scan(&active); err != nil {
				return err
			}
			id := sc.ID
			claim := decide(engine.Due{Schedule: sc, ActiveRun: active})
			if _, err := c.ExecContext(ctx, "SAVEPOINT claim"); err != nil {
				return err
			}
			if err := applyClaim(ctx, c, id, claim); err != nil {
				if _, rerr := c.ExecContext(ctx, "ROLLBACK TO claim"); rerr != nil {
					return errors.Join(err, rerr)
				}
				if _, rerr := c.ExecContext(ctx, "RELEASE claim"); rerr != nil {
					return errors.Join(err, rerr)
				}
				if ctx.Err() != nil || !errors.Is(err, engine.ErrConflict) {
					return err // not this claim's fault: give up on all
				}
				claimErr = fmt.Errorf("schedule %s: %w", id, err)
				return nil
			}
			if _, err := c.ExecContext(ctx, "RELEASE claim"); err != nil {
				return err
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

// applyClaim records claim's occurrences and run and advances the schedule
// id, all on c inside the caller's savepoint.
func applyClaim(ctx context.Context, c *sql.Conn, id string, claim engine.Claim) error {
	for _, o := range claim.Occurrences {
		ok, err := insertOccurrence(ctx, c, id, o)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("occurrence at %s already recorded: %w",
				o.FireTime.UTC().Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	if claim.Run != nil {
		args, err := runArgs(claim.Run)
		if err != nil {
			return err
		}
		if err := insertRun(ctx, c, args); err != nil {
			return err
		}
	}
	_, err := c.ExecContext(ctx, `UPDATE schedules SET next_run_at = ?, last_run_at = ?,
		last_dispatched_at = ?, version = version + 1 WHERE id = ?`,
		nullMicros(claim.NextRunAt), nullMicros(claim.LastRunAt), nullMicros(claim.LastDispatchedAt), id)
	return err
}

// NextDue implements [engine.Store]: one probe of the schedules_due index.
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT next_run_at FROM schedules
		WHERE active = 1 AND next_run_at IS NOT NULL
		ORDER BY next_run_at, id LIMIT 1`).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrapErr(ctx, "next due", err)
	}
	return fromNullMicros(next), nil
}
