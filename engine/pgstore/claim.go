package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nlcron/nlcron/engine"
)

// ClaimDue implements [engine.Store]. In one transaction it locks up to
// limit due schedules with SELECT ... FOR UPDATE SKIP LOCKED (so concurrent
// claimers, in this process or another replica, take disjoint sets), calls
// decide for each, then writes every run, occurrence and schedule update
// with three multi-row statements sent in one round trip, and commits.
// A unique violation (a fire already run or recorded) rolls the whole call
// back and returns an error wrapping [engine.ErrConflict].
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (n int, err error) {
	const op = "claim due"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	defer func() {
		if err != nil {
			// A cancelled ctx cannot carry the ROLLBACK; pgx then closes
			// the connection, which rolls back as well.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()

	rows, err := tx.Query(ctx, s.q.claimDue, now, limit)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	var dues []engine.Due
	for rows.Next() {
		var active bool
		sc, err := scanSchedule(rows, &active)
		if err != nil {
			rows.Close()
			return 0, wrapErr(ctx, op, err)
		}
		dues = append(dues, engine.Due{Schedule: sc, ActiveRun: active})
	}
	if err := rows.Err(); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	if len(dues) == 0 {
		return 0, wrapErr(ctx, op, tx.Commit(ctx))
	}

	var (
		runs runArrays
		occ  occurrenceArrays
		adv  struct {
			id                   []string
			next, last, lastDisp []pgtype.Timestamptz
		}
	)
	for _, d := range dues {
		sc := d.Schedule
		c := decide(d)
		for _, o := range c.Occurrences {
			if o.ScheduleID == "" {
				o.ScheduleID = sc.ID
			}
			if o.AccountID == "" {
				o.AccountID = sc.AccountID
			}
			occ.add(o)
		}
		if c.Run != nil {
			if err := runs.add(c.Run); err != nil {
				return 0, fmt.Errorf("pgstore: %s: %w", op, err)
			}
		}
		adv.id = append(adv.id, sc.ID)
		adv.next = append(adv.next, ts(c.NextRunAt))
		adv.last = append(adv.last, ts(c.LastRunAt))
		adv.lastDisp = append(adv.lastDisp, ts(c.LastDispatchedAt))
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgstore: %s: %w", op, err)
	}

	b := &pgx.Batch{}
	if runs.len() > 0 {
		b.Queue(s.q.insertRuns, runs.args()...)
	}
	if occ.len() > 0 {
		b.Queue(s.q.insertOccurrences, occ.args()...)
	}
	b.Queue(s.q.advanceSchedules, adv.id, adv.next, adv.last, adv.lastDisp)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	return len(dues), nil
}

// NextDue implements [engine.Store]. It reads the first entry of the
// partial index on next_run_at.
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	const op = "next due"
	if err := ctxErr(ctx, op); err != nil {
		return time.Time{}, err
	}
	var t time.Time
	err := s.pool.QueryRow(ctx, s.q.nextDue).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrapErr(ctx, op, err)
	}
	return t.UTC(), nil
}

// runArrays collects runs column by column for one multi-row INSERT.
type runArrays struct {
	id, accountID, chatID, status, errText, lastMsg, bundle, toolhouse, callback, leaseOwner []string
	scheduleID                                                                               []pgtype.Text
	results, vars                                                                            [][]byte
	scheduledFor, createdAt, updatedAt                                                       []time.Time
	startedAt, finishedAt, leaseExpires                                                      []pgtype.Timestamptz
	attempt                                                                                  []int32
}

func (a *runArrays) add(r *engine.Run) error {
	results, err := encodeResults(r.Results)
	if err != nil {
		return err
	}
	vars, err := encodeVars(r.Vars)
	if err != nil {
		return err
	}
	a.id = append(a.id, r.ID)
	a.accountID = append(a.accountID, r.AccountID)
	a.chatID = append(a.chatID, r.ChatID)
	a.scheduleID = append(a.scheduleID, nullText(r.ScheduleID))
	a.status = append(a.status, string(r.Status))
	a.results = append(a.results, results)
	a.errText = append(a.errText, r.Error)
	a.lastMsg = append(a.lastMsg, r.LastAgentMessage)
	a.bundle = append(a.bundle, r.Bundle)
	a.toolhouse = append(a.toolhouse, r.ToolhouseID)
	a.vars = append(a.vars, vars)
	a.callback = append(a.callback, r.CallbackURL)
	a.scheduledFor = append(a.scheduledFor, r.ScheduledFor)
	a.createdAt = append(a.createdAt, r.CreatedAt)
	a.updatedAt = append(a.updatedAt, r.UpdatedAt)
	a.startedAt = append(a.startedAt, ts(r.StartedAt))
	a.finishedAt = append(a.finishedAt, ts(r.FinishedAt))
	a.attempt = append(a.attempt, int32(r.Attempt))
	a.leaseOwner = append(a.leaseOwner, r.LeaseOwner)
	a.leaseExpires = append(a.leaseExpires, ts(r.LeaseExpiresAt))
	return nil
}

func (a *runArrays) len() int { return len(a.id) }

// args returns the arrays in runCols order.
func (a *runArrays) args() []any {
	return []any{a.id, a.accountID, a.chatID, a.scheduleID, a.status, a.results, a.errText, a.lastMsg,
		a.bundle, a.toolhouse, a.vars, a.callback, a.scheduledFor, a.createdAt, a.updatedAt, a.startedAt,
		a.finishedAt, a.attempt, a.leaseOwner, a.leaseExpires}
}
