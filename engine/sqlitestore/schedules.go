package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/engine"
)

var (
	insertScheduleSQL = `INSERT INTO schedules (` + scheduleCols + `) VALUES (` + placeholders(18) + `)
		ON CONFLICT DO NOTHING`
	getScheduleSQL    = `SELECT ` + scheduleCols + ` FROM schedules WHERE id = ? AND account_id = ?`
	updateScheduleSQL = `UPDATE schedules SET chat_id = ?, cadence = ?, cron = ?, timezone = ?, active = ?,
		bundle = ?, toolhouse_id = ?, vars = ?, callback_url = ?, created_at = ?, updated_at = ?,
		last_run_at = ?, next_run_at = ?, last_dispatched_at = ?, paused_at = ?, version = version + 1
		WHERE id = ? AND account_id = ? AND version = ?`
	deleteScheduleSQL = `DELETE FROM schedules WHERE id = ? AND account_id = ? RETURNING ` + scheduleCols
	// listSchedulesSQL[withCursor]
	listSchedulesSQL = [2]string{
		`SELECT ` + scheduleCols + ` FROM schedules WHERE account_id = ?
			ORDER BY created_at DESC, id DESC LIMIT ?`,
		`SELECT ` + scheduleCols + ` FROM schedules WHERE account_id = ? AND (created_at, id) < (?, ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`,
	}
)

const (
	scheduleVersionSQL  = `SELECT version FROM schedules WHERE id = ? AND account_id = ?`
	insertOccurrenceSQL = `INSERT INTO occurrences (schedule_id, fire_time, account_id, outcome, reason, run_id, recorded_at,
			through_time, fire_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	deleteOccurrencesSQL = `DELETE FROM occurrences WHERE schedule_id = ?`
	// One statement, so that the schedule's existence and its occurrences
	// come from the same snapshot: no row means no schedule, a row with a
	// NULL fire time means none recorded in the range.
	//
	// Spans that began before from (?1) and reach it are found through
	// occurrences_spans; the walk of the primary key then starts at the
	// earliest of them rather than at from, and skips what lies between
	// that does not reach from (nothing, as a rule: nothing fires while a
	// schedule is paused). So the rows come in fire-time order, unsorted,
	// and the walk stops at the limit.
	listOccurrencesSQL = `SELECT o.fire_time, o.account_id, o.outcome, o.reason, o.run_id, o.recorded_at,
			o.through_time, o.fire_count
		FROM schedules s LEFT JOIN occurrences o
			ON o.schedule_id = s.id
			AND o.fire_time >= coalesce((SELECT min(sp.fire_time) FROM occurrences sp INDEXED BY occurrences_spans
				WHERE sp.schedule_id = ?3 AND sp.through_time IS NOT NULL AND sp.through_time >= ?1
					AND sp.fire_time < ?1 AND ?1 < ?2), ?1)
			AND o.fire_time < ?2
			AND (o.fire_time >= ?1 OR o.through_time >= ?1)
		WHERE s.id = ?3 AND s.account_id = ?4
		ORDER BY o.fire_time
		LIMIT ?5`
)

// CreateSchedule implements [engine.ScheduleStore].
func (s *Store) CreateSchedule(ctx context.Context, sc *engine.Schedule) error {
	op := "create schedule " + sc.ID
	args, err := scheduleArgs(sc)
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	err = s.groupWrite(ctx, func(q querier) error {
		res, err := q.exec(insertScheduleSQL, args...)
		if err != nil {
			return err
		}
		return conflictIfNone(res, "id already taken")
	})
	return wrapErr(ctx, op, err)
}

// conflictIfNone turns an INSERT ... ON CONFLICT DO NOTHING that inserted
// nothing into ErrConflict.
func conflictIfNone(res sql.Result, why string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", why, engine.ErrConflict)
	}
	return nil
}

// GetSchedule implements [engine.ScheduleStore].
func (s *Store) GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	sc, err := scanSchedule(s.read(ctx).queryRow(getScheduleSQL, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		err = engine.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(ctx, "get schedule "+id, err)
	}
	return sc, nil
}

// ListSchedules implements [engine.ScheduleStore].
func (s *Store) ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error) {
	const op = "list schedules"
	limit := pageLimit(p.Limit)
	query, args := listSchedulesSQL[0], []any{accountID}
	if p.Cursor != "" {
		c, err := parseCursor(p.Cursor)
		if err != nil {
			return nil, "", wrapErr(ctx, op, err)
		}
		query, args = listSchedulesSQL[1], append(args, c.at, c.id)
	}
	rows, err := s.read(ctx).query(query, append(args, limit+1)...)
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	out, err := collect(rows, scanSchedule)
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

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// UpdateSchedule implements [engine.ScheduleStore].
func (s *Store) UpdateSchedule(ctx context.Context, sc *engine.Schedule, record ...engine.Occurrence) error {
	op := "update schedule " + sc.ID
	vars, err := encodeVars(sc.Vars)
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	err = s.groupWrite(ctx, func(q querier) error {
		n, err := q.execCount(updateScheduleSQL, sc.ChatID, sc.Cadence, sc.Cron, sc.Timezone,
			sc.Active, sc.Bundle, sc.ToolhouseID, vars, sc.CallbackURL, micros(sc.CreatedAt),
			nullMicros(sc.UpdatedAt), nullMicros(sc.LastRunAt), nullMicros(sc.NextRunAt),
			nullMicros(sc.LastDispatchedAt), nullMicros(sc.PausedAt), sc.ID, sc.AccountID, sc.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			var stored int64
			err := q.queryRow(scheduleVersionSQL, sc.ID, sc.AccountID).Scan(&stored)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return engine.ErrNotFound
			case err != nil:
				return err
			}
			return fmt.Errorf("version %d, stored %d: %w", sc.Version, stored, engine.ErrConflict)
		}
		for _, o := range record {
			if _, err := insertOccurrence(q, sc.ID, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	sc.Version++
	return nil
}

// insertOccurrence records o for the schedule id unless one is recorded for
// its fire time already; it reports whether it inserted.
func insertOccurrence(q querier, scheduleID string, o engine.Occurrence) (bool, error) {
	n, err := q.execCount(insertOccurrenceSQL, scheduleID, micros(o.FireTime), o.AccountID,
		string(o.Outcome), string(o.Reason), o.RunID, nullMicros(o.RecordedAt), nullMicros(o.Through), o.Count)
	return n == 1, err
}

// DeleteSchedule implements [engine.ScheduleStore].
func (s *Store) DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	var sc *engine.Schedule
	err := s.groupWrite(ctx, func(q querier) error {
		var err error
		sc, err = scanSchedule(q.queryRow(deleteScheduleSQL, id, accountID))
		if errors.Is(err, sql.ErrNoRows) {
			return engine.ErrNotFound
		} else if err != nil {
			return err
		}
		// foreign_keys=on cascades this already; a *sql.DB given to New
		// may not have it on.
		_, err = q.exec(deleteOccurrencesSQL, id)
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, "delete schedule "+id, err)
	}
	return sc, nil
}

// ListOccurrences implements [engine.ScheduleStore].
func (s *Store) ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error) {
	op := "list occurrences of " + scheduleID
	if limit <= 0 {
		limit = -1 // no limit
	}
	rows, err := s.read(ctx).query(listOccurrencesSQL, micros(from), micros(to), scheduleID, accountID, limit)
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	out, found, err := scanOccurrences(rows, scheduleID)
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	if !found {
		return nil, wrapErr(ctx, op, engine.ErrNotFound)
	}
	return out, nil
}

// scanOccurrences reads the rows of listOccurrencesSQL: found reports
// whether there was any row (the schedule exists).
func scanOccurrences(rows *sql.Rows, scheduleID string) (out []engine.Occurrence, found bool, err error) {
	defer rows.Close()
	for rows.Next() {
		found = true
		var (
			fire, recorded, through, count  sql.NullInt64
			account, outcome, reason, runID sql.NullString
		)
		if err := rows.Scan(&fire, &account, &outcome, &reason, &runID, &recorded, &through, &count); err != nil {
			return nil, false, err
		}
		if !fire.Valid {
			continue
		}
		out = append(out, engine.Occurrence{
			ScheduleID: scheduleID,
			AccountID:  account.String,
			FireTime:   fromMicros(fire.Int64),
			Outcome:    engine.Outcome(outcome.String),
			Reason:     engine.SkipReason(reason.String),
			RunID:      runID.String,
			RecordedAt: fromNullMicros(recorded),
			Through:    fromNullMicros(through),
			Count:      int(count.Int64),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return out, found, rows.Close()
}
