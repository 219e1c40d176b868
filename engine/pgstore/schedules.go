package pgstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nlcron/nlcron/engine"
)

// CreateSchedule implements [engine.ScheduleStore]. Calls made at the same
// moment are coalesced into one INSERT and one commit: see "Coalesced
// writes" in the package documentation.
func (s *Store) CreateSchedule(ctx context.Context, sc *engine.Schedule) error {
	const op = "create schedule"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	_, err := s.create.do(ctx, sc)
	if err != nil {
		if errors.Is(err, engine.ErrConflict) {
			return fmt.Errorf("pgstore: %s: %w", op, err)
		}
		return wrapErr(ctx, op, err)
	}
	return nil
}

// createSchedules is CreateSchedule's coalesced statement.
func (s *Store) createSchedules(ctx context.Context, ss []*engine.Schedule) ([]struct{}, []error, error) {
	n := len(ss)
	var (
		ids, accounts, chats, cadences, crons, zones = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bundles, toolhouses, callbacks               = make([]string, n), make([]string, n), make([]string, n)
		active                                       = make([]bool, n)
		vars                                         = make([][]byte, n)
		created, updated                             = make([]time.Time, n), make([]time.Time, n)
		last, next, lastDisp, paused                 = make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
		versions                                     = make([]int64, n)
	)
	for i, sc := range ss {
		v, err := encodeVars(sc.Vars)
		if err != nil {
			return nil, nil, err
		}
		ids[i], accounts[i], chats[i], cadences[i], crons[i], zones[i] = sc.ID, sc.AccountID, sc.ChatID, sc.Cadence, sc.Cron, sc.Timezone
		bundles[i], toolhouses[i], callbacks[i], active[i], vars[i] = sc.Bundle, sc.ToolhouseID, sc.CallbackURL, sc.Active, v
		created[i], updated[i], versions[i] = sc.CreatedAt, sc.UpdatedAt, sc.Version
		last[i], next[i], lastDisp[i], paused[i] = ts(sc.LastRunAt), ts(sc.NextRunAt), ts(sc.LastDispatchedAt), ts(sc.PausedAt)
	}
	rows, err := s.pool.Query(ctx, s.q.createSchedules, ids, accounts, chats, cadences, crons, zones, active,
		bundles, toolhouses, vars, callbacks, created, updated, last, next, lastDisp, paused, versions)
	if err != nil {
		return nil, nil, err
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, err
	}
	ok := make(map[string]bool, len(inserted))
	for _, id := range inserted {
		ok[id] = true
	}
	errs := make([]error, n)
	for i, id := range ids {
		if !ok[id] {
			errs[i] = fmt.Errorf("schedule id %s is taken: %w", id, engine.ErrConflict)
		}
	}
	return make([]struct{}, n), errs, nil
}

// GetSchedule implements [engine.ScheduleStore].
func (s *Store) GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	const op = "get schedule"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	sc, err := scanSchedule(s.pool.QueryRow(ctx, s.q.getSchedule, accountID, id))
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return sc, nil
}

// ListSchedules implements [engine.ScheduleStore].
func (s *Store) ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error) {
	const op = "list schedules"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p.Limit)
	var (
		rows pgx.Rows
		err  error
	)
	if p.Cursor == "" {
		rows, err = s.pool.Query(ctx, s.q.listSchedules, accountID, limit+1)
	} else {
		at, id, cerr := decodeCursor(p.Cursor)
		if cerr != nil {
			return nil, "", fmt.Errorf("pgstore: %s: %w", op, cerr)
		}
		rows, err = s.pool.Query(ctx, s.q.listSchedulesAfter, accountID, limit+1, at, id)
	}
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*engine.Schedule, error) { return scanSchedule(r) })
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	list, next := pageOf(list, limit, func(sc *engine.Schedule) (time.Time, string) { return sc.CreatedAt, sc.ID })
	return list, next, nil
}

// UpdateSchedule implements [engine.ScheduleStore].
func (s *Store) UpdateSchedule(ctx context.Context, sc *engine.Schedule, record ...engine.Occurrence) error {
	const op = "update schedule"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	vars, err := encodeVars(sc.Vars)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.q.updateSchedule, sc.AccountID, sc.ID, sc.ChatID, sc.Cadence, sc.Cron,
			sc.Timezone, sc.Active, sc.Bundle, sc.ToolhouseID, vars, sc.CallbackURL, sc.CreatedAt, sc.UpdatedAt,
			ts(sc.LastRunAt), ts(sc.NextRunAt), ts(sc.LastDispatchedAt), ts(sc.PausedAt), sc.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, s.q.scheduleExists, sc.AccountID, sc.ID).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return fmt.Errorf("%w: version %d is not the stored version", engine.ErrConflict, sc.Version)
			}
			return engine.ErrNotFound
		}
		if len(record) > 0 {
			var occ occurrenceArrays
			for _, o := range record {
				if o.ScheduleID == "" {
					o.ScheduleID = sc.ID
				}
				if o.AccountID == "" {
					o.AccountID = sc.AccountID
				}
				occ.add(o)
			}
			if _, err := tx.Exec(ctx, s.q.insertOccurrencesIgnore, occ.args()...); err != nil {
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

// DeleteSchedule implements [engine.ScheduleStore].
func (s *Store) DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	const op = "delete schedule"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	var sc *engine.Schedule
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		sc, err = scanSchedule(tx.QueryRow(ctx, s.q.deleteSchedule, accountID, id))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, s.q.deleteOccurrences, id)
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return sc, nil
}

// ListOccurrences implements [engine.ScheduleStore].
func (s *Store) ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error) {
	const op = "list occurrences"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	var lim pgtype.Int8
	if limit > 0 {
		lim = pgtype.Int8{Int64: int64(limit), Valid: true}
	}
	var list []engine.Occurrence
	// One snapshot, and one round trip, for the existence check, the
	// spans that began before from and the occurrences from on.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(s.q.scheduleExists, accountID, scheduleID)
		batch.Queue(s.q.listSpansBefore, scheduleID, accountID, from, to, lim)
		batch.Queue(s.q.listOccurrences, scheduleID, accountID, from, to, lim)
		br := tx.SendBatch(ctx, batch)
		err := func() error {
			var exists bool
			if err := br.QueryRow().Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return engine.ErrNotFound
			}
			scan := func(r pgx.CollectableRow) (engine.Occurrence, error) { return scanOccurrence(r) }
			rows, _ := br.Query()
			spans, err := pgx.CollectRows(rows, scan)
			if err != nil {
				return err
			}
			rows, _ = br.Query()
			if list, err = pgx.AppendRows(spans, rows, scan); err != nil {
				return err
			}
			if limit > 0 && len(list) > limit {
				list = list[:limit]
			}
			return nil
		}()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return list, nil
}

// occurrenceArrays collects occurrences column by column for one
// multi-row INSERT ... SELECT FROM unnest(...).
type occurrenceArrays struct {
	scheduleID, accountID, outcome, reason, runID []string
	fireTime, recordedAt                          []time.Time
	through                                       []pgtype.Timestamptz
	count                                         []int64
}

func (a *occurrenceArrays) add(o engine.Occurrence) {
	a.scheduleID = append(a.scheduleID, o.ScheduleID)
	a.accountID = append(a.accountID, o.AccountID)
	a.fireTime = append(a.fireTime, o.FireTime)
	a.outcome = append(a.outcome, string(o.Outcome))
	a.reason = append(a.reason, string(o.Reason))
	a.runID = append(a.runID, o.RunID)
	a.recordedAt = append(a.recordedAt, o.RecordedAt)
	a.through = append(a.through, ts(o.Through))
	a.count = append(a.count, int64(o.Count))
}

func (a *occurrenceArrays) len() int { return len(a.scheduleID) }

// args are in the order of occurrenceCols.
func (a *occurrenceArrays) args() []any {
	return []any{a.scheduleID, a.accountID, a.fireTime, a.outcome, a.reason, a.runID, a.recordedAt, a.through, a.count}
}

func pageLimit(n int) int {
	if n <= 0 {
		return engine.DefaultPageLimit
	}
	return min(n, engine.MaxPageLimit)
}

// pageOf cuts list, read with one row more than limit, to the page, and
// returns the cursor of the next page: "" when list is the last page.
func pageOf[T any](list []T, limit int, key func(T) (time.Time, string)) ([]T, string) {
	if len(list) <= limit {
		return list, ""
	}
	list = list[:limit]
	return list, encodeCursor(key(list[limit-1]))
}

// A cursor is the position of the last item of a page, (CreatedAt, ID),
// as base64url("<unix microseconds>:<id>").
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

var errBadCursor = errors.New("malformed cursor")

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %w", engine.ErrInvalid, errBadCursor)
	}
	num, id, ok := strings.Cut(string(b), ":")
	us, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", fmt.Errorf("%w: %w", engine.ErrInvalid, errBadCursor)
	}
	return time.UnixMicro(us).UTC(), id, nil
}
