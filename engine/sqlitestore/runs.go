package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nlcron/nlcron/engine"
)

var (
	insertRunSQL = `INSERT INTO runs (` + runCols + `) VALUES (` + placeholders(20) + `) ON CONFLICT DO NOTHING`
	getRunSQL    = `SELECT ` + runCols + ` FROM runs WHERE id = ? AND account_id = ?`

	requeueUpdateSQL = `UPDATE runs SET status = 'queued', results = ?, error = '', last_agent_message = '',
		started_at = NULL, finished_at = NULL, updated_at = ?, lease_owner = '', lease_expires_at = NULL
		WHERE id = ? RETURNING ` + runCols
	acquireRunsSQL = `UPDATE runs SET status = 'in_progress', started_at = ?1, attempt = attempt + 1,
		lease_owner = ?2, lease_expires_at = ?3, updated_at = ?1
		WHERE id IN (SELECT id FROM runs WHERE status = 'queued' ORDER BY scheduled_for, created_at, id LIMIT ?4)
		RETURNING ` + runCols
	finishRunSQL = `UPDATE runs SET status = ?1, results = ?2, error = ?3, last_agent_message = ?4,
		finished_at = ?5, updated_at = ?5, lease_owner = '', lease_expires_at = NULL
		WHERE id = ?6 AND status = 'in_progress' AND lease_owner = ?7
		RETURNING ` + runCols
	expireLeasesSQL = `UPDATE runs SET status = 'failed', error = ?1, finished_at = ?2, updated_at = ?2,
		lease_owner = '', lease_expires_at = NULL
		WHERE status = 'in_progress' AND lease_expires_at < ?2
		RETURNING ` + runCols
)

const (
	requeueSelectSQL = `SELECT status, results FROM runs WHERE id = ? AND account_id = ?`
	renewLeaseSQL    = `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND status = 'in_progress' AND lease_owner = ?`
)

// listRunsSQL returns the ListRuns query for the filters in use.
func listRunsSQL(bySchedule, byStatus, withCursor bool) string {
	q := `SELECT ` + runCols + ` FROM runs WHERE account_id = ?`
	if bySchedule {
		q += ` AND schedule_id = ?`
	}
	if byStatus {
		q += ` AND status = ?`
	}
	if withCursor {
		q += ` AND (created_at, id) < (?, ?)`
	}
	return q + ` ORDER BY created_at DESC, id DESC LIMIT ?`
}

// CreateRun implements [engine.RunStore].
func (s *Store) CreateRun(ctx context.Context, r *engine.Run) error {
	op := "create run " + r.ID
	args, err := runArgs(r)
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	err = s.groupWrite(ctx, func(q querier) error { return insertRun(q, args) })
	return wrapErr(ctx, op, err)
}

// insertRun inserts the run with runArgs args; a taken id or
// (schedule_id, scheduled_for) is ErrConflict.
func insertRun(q querier, args []any) error {
	res, err := q.exec(insertRunSQL, args...)
	if err != nil {
		return err
	}
	return conflictIfNone(res, "run id, or run of this schedule for this fire time, already exists")
}

// GetRun implements [engine.RunStore].
func (s *Store) GetRun(ctx context.Context, accountID, id string) (*engine.Run, error) {
	r, err := scanRun(s.read(ctx).queryRow(getRunSQL, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		err = engine.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(ctx, "get run "+id, err)
	}
	return r, nil
}

// ListRuns implements [engine.RunStore].
func (s *Store) ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error) {
	const op = "list runs"
	limit := pageLimit(f.Limit)
	args := []any{accountID}
	if f.ScheduleID != "" {
		args = append(args, f.ScheduleID)
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
	}
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor)
		if err != nil {
			return nil, "", wrapErr(ctx, op, err)
		}
		args = append(args, c.at, c.id)
	}
	query := listRunsSQL(f.ScheduleID != "", f.Status != "", f.Cursor != "")
	rows, err := s.read(ctx).query(query, append(args, limit+1)...)
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	out, err := collect(rows, scanRun)
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = cursor{at: micros(last.CreatedAt), id: last.ID}.String()
	}
	return out, next, nil
}

// RequeueRun implements [engine.RunStore].
func (s *Store) RequeueRun(ctx context.Context, accountID, id string, msg engine.Message, now time.Time) (*engine.Run, error) {
	var r *engine.Run
	err := s.groupWrite(ctx, func(q querier) error {
		var (
			status  engine.RunStatus
			results sql.NullString
		)
		err := q.queryRow(requeueSelectSQL, id, accountID).Scan(&status, &results)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return engine.ErrNotFound
		case err != nil:
			return err
		case status != engine.RunCompleted:
			return fmt.Errorf("run is %s: %w", status, engine.ErrRunNotCompleted)
		}
		ms, err := decodeResults(results)
		if err != nil {
			return err
		}
		enc, err := encodeResults(append(ms, msg))
		if err != nil {
			return err
		}
		r, err = scanRun(q.queryRow(requeueUpdateSQL, enc, micros(now), id))
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, "requeue run "+id, err)
	}
	return r, nil
}

// AcquireRuns implements [engine.RunStore].
func (s *Store) AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*engine.Run, error) {
	const op = "acquire runs"
	if limit <= 0 {
		return nil, wrapErr(ctx, op, ctx.Err())
	}
	var out []*engine.Run
	err := s.writeTx(ctx, func(q querier) error {
		rows, err := q.query(acquireRunsSQL, micros(now), worker, micros(leaseUntil), limit)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanRun)
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	// RETURNING yields rows in no promised order.
	slices.SortFunc(out, func(a, b *engine.Run) int {
		if c := a.ScheduledFor.Compare(b.ScheduledFor); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RenewLease implements [engine.RunStore].
func (s *Store) RenewLease(ctx context.Context, id, worker string, until time.Time) error {
	err := s.groupWrite(ctx, func(q querier) error {
		if n, err := q.execCount(renewLeaseSQL, micros(until), id, worker); err != nil {
			return err
		} else if n == 0 {
			return engine.ErrLeaseLost
		}
		return nil
	})
	return wrapErr(ctx, "renew lease of run "+id, err)
}

// FinishRun implements [engine.RunStore].
func (s *Store) FinishRun(ctx context.Context, id, worker string, f engine.Finish) (*engine.Run, error) {
	op := "finish run " + id
	if f.Status != engine.RunCompleted && f.Status != engine.RunFailed {
		return nil, wrapErr(ctx, op, &engine.ValidationError{Field: "status",
			Msg: fmt.Sprintf("a run ends completed or failed, not %q", f.Status)})
	}
	results, err := encodeResults(f.Results)
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	var r *engine.Run
	err = s.groupWrite(ctx, func(q querier) error {
		var err error
		r, err = scanRun(q.queryRow(finishRunSQL, string(f.Status), results, f.Error, f.LastAgentMessage,
			nullMicros(f.FinishedAt), id, worker))
		if errors.Is(err, sql.ErrNoRows) {
			return engine.ErrLeaseLost
		}
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return r, nil
}

// ExpireLeases implements [engine.RunStore].
func (s *Store) ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*engine.Run, error) {
	var out []*engine.Run
	err := s.writeTx(ctx, func(q querier) error {
		rows, err := q.query(expireLeasesSQL, errText, micros(now))
		if err != nil {
			return err
		}
		out, err = collect(rows, scanRun)
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, "expire leases", err)
	}
	slices.SortFunc(out, func(a, b *engine.Run) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
