package memstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nlcron/nlcron/engine"
)

// TestDifferential runs the same random operations against the compact
// Store and the simple reference store and requires the same answers. It
// covers what the conformance suite cannot: ids that are not canonical
// UUIDs (their order, their keys), CreatedAt ties, slot and handle reuse
// after deletes, and long mixed histories.
func TestDifferential(t *testing.T) {
	t.Parallel()
	ops := 2000 / raceScale
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			newDiff(t, seed).run(ops)
		})
	}
}

type diffRun struct {
	t         *testing.T
	rng       *rand.Rand
	got       *Store
	want      *refStore
	accounts  []string
	workers   []string
	schedules []string // every id ever created (some deleted)
	owner     map[string]string
	runs      []string
	runOwner  map[string]string
	seq       int64
	now       time.Time
	pruned    int // records PruneBefore deleted
}

var diffBase = time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC)

func newDiff(t *testing.T, seed uint64) *diffRun {
	return &diffRun{
		t:        t,
		rng:      rand.New(rand.NewPCG(seed, 42)),
		got:      New(),
		want:     newRefStore(),
		accounts: []string{"acct-a", "b7c1e0f4-4a7e-4c1e-9a57-0d7a1b2c3d4e", ""},
		workers:  []string{"w1", "w2", "0b1c2d3e-4f50-4617-8899-aabbccddeeff"},
		owner:    make(map[string]string),
		runOwner: make(map[string]string),
		now:      diffBase,
	}
}

// id returns a fresh id in one of several shapes, so that ids which are
// not canonical UUIDs, and their ordering against UUIDs, are covered.
func (d *diffRun) id() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(d.rng.IntN(256))
	}
	u := formatUUID(key(b))
	switch d.rng.IntN(10) {
	case 0:
		return strings.ToUpper(u)
	case 1:
		return fmt.Sprintf("sched-%d", d.rng.IntN(1_000_000))
	case 2:
		return "{" + u + "}"
	case 3:
		return u[:35] // not quite a UUID
	case 4:
		if d.rng.IntN(5) == 0 {
			return "00000000-0000-0000-0000-000000000000"
		}
	}
	return u
}

// unique returns a time near diffBase that no other call returns, so that
// due order has no ties.
func (d *diffRun) unique(spread time.Duration) time.Time {
	d.seq++
	return diffBase.Add(time.Duration(d.rng.Int64N(int64(spread))).Truncate(time.Second) + time.Duration(d.seq)*time.Microsecond)
}

// tied returns one of a few instants, so that CreatedAt ties are common.
func (d *diffRun) tied() time.Time {
	return diffBase.Add(time.Duration(d.rng.IntN(8)) * time.Second)
}

func (d *diffRun) pick(xs []string) string {
	if len(xs) == 0 {
		return d.id()
	}
	return xs[d.rng.IntN(len(xs))]
}

func errClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, engine.ErrNotFound):
		return "not found"
	case errors.Is(err, engine.ErrConflict):
		return "conflict"
	case errors.Is(err, engine.ErrLeaseLost):
		return "lease lost"
	case errors.Is(err, engine.ErrRunNotCompleted):
		return "not completed"
	case errors.Is(err, engine.ErrInvalid):
		return "invalid"
	}
	return "other: " + err.Error()
}

var diffOpts = cmp.Options{
	// Transcripts: nil versus empty is not promised; nor for result lists.
	emptySlices[[]engine.Message](),
	emptySlices[[]engine.Occurrence](),
	emptySlices[[]*engine.Run](),
	emptySlices[[]*engine.Schedule](),
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && sf.Name() == "Vars"
	}, cmp.Comparer(func(a, b map[string]string) bool {
		return (a == nil) == (b == nil) && cmp.Equal(a, b, cmpopts.EquateEmpty())
	})),
}

func emptySlices[S ~[]E, E any]() cmp.Option {
	return cmp.FilterValues(func(a, b S) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

// check compares one operation's answers.
func (d *diffRun) check(op string, got, want any, gotErr, wantErr error) {
	d.t.Helper()
	if g, w := errClass(gotErr), errClass(wantErr); g != w {
		d.t.Fatalf("%s: error %q, reference %q", op, g, w)
	}
	if reflect.DeepEqual(got, want) {
		return // fast path; cmp is slow and only needed to forgive nil versus empty
	}
	if diff := cmp.Diff(want, got, diffOpts); diff != "" {
		d.t.Fatalf("%s mismatch (-reference +store):\n%s", op, diff)
	}
}

func (d *diffRun) newSchedule() *engine.Schedule {
	s := &engine.Schedule{
		ID:          d.id(),
		AccountID:   d.pick(d.accounts),
		ChatID:      d.id(),
		Cadence:     []string{"every day at 9am", "*/10 * * * *", "hourly", ""}[d.rng.IntN(4)],
		Cron:        []string{"0 9 * * *", "*/10 * * * *", "0 * * * *"}[d.rng.IntN(3)],
		Timezone:    []string{"UTC", "Europe/Berlin", "Asia/Tokyo"}[d.rng.IntN(3)],
		Active:      d.rng.IntN(4) != 0,
		Bundle:      []string{"default", "x"}[d.rng.IntN(2)],
		ToolhouseID: []string{"default", "th"}[d.rng.IntN(2)],
		CallbackURL: []string{"", "https://example.com/hook"}[d.rng.IntN(2)],
		CreatedAt:   d.tied(),
		UpdatedAt:   d.tied(),
		Version:     1,
	}
	if d.rng.IntN(3) != 0 {
		s.NextRunAt = d.unique(2 * time.Hour)
	}
	switch d.rng.IntN(3) {
	case 0:
		s.Vars = map[string]string{}
	case 1:
		s.Vars = map[string]string{"k": fmt.Sprint(d.rng.IntN(9))}
	}
	return s
}

func (d *diffRun) newRun(account, scheduleID string, at time.Time) *engine.Run {
	r := &engine.Run{
		ID:           d.id(),
		AccountID:    account,
		ChatID:       d.id(),
		ScheduleID:   scheduleID,
		Status:       engine.RunQueued,
		Bundle:       "default",
		ScheduledFor: at,
		CreatedAt:    d.tied(),
		UpdatedAt:    d.tied(),
	}
	if d.rng.IntN(3) == 0 {
		r.Vars = map[string]string{}
	}
	if d.rng.IntN(3) == 0 {
		r.Results = []engine.Message{{Role: "user", Content: "hi"}}
	}
	return r
}

func (d *diffRun) occurrence(s *engine.Schedule, fire time.Time) engine.Occurrence {
	o := engine.Occurrence{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: fire, RecordedAt: d.tied()}
	if d.rng.IntN(2) == 0 {
		o.Outcome, o.Reason = engine.OutcomeSkipped, []engine.SkipReason{engine.SkipMissed, engine.SkipPaused, "custom"}[d.rng.IntN(3)]
	} else {
		o.Outcome, o.RunID = engine.OutcomeDispatched, d.id()
	}
	if d.rng.IntN(4) == 0 { // a span, possibly overlapping others
		o.Through = fire.Add(time.Duration(d.rng.IntN(5)) * time.Second)
		o.Count = 1 + d.rng.IntN(1000)
	}
	return o
}

func (d *diffRun) run(ops int) {
	ctx := context.Background()
	for i := range ops {
		op := d.rng.IntN(100)
		switch {
		case op < 14:
			s := d.newSchedule()
			if d.rng.IntN(10) == 0 && len(d.schedules) > 0 {
				s.ID = d.pick(d.schedules) // conflict, or re-create after delete
			}
			gotErr := d.got.CreateSchedule(ctx, s.Clone())
			wantErr := d.want.CreateSchedule(ctx, s.Clone())
			d.check("CreateSchedule", nil, nil, gotErr, wantErr)
			if gotErr == nil {
				d.schedules = append(d.schedules, s.ID)
				d.owner[s.ID] = s.AccountID
			}
		case op < 24:
			id := d.pick(d.schedules)
			account := d.owner[id]
			if d.rng.IntN(8) == 0 {
				account = d.pick(d.accounts)
			}
			cur, err := d.want.GetSchedule(ctx, account, id)
			u := d.newSchedule()
			u.ID, u.AccountID = id, account
			if err == nil {
				u.Version = cur.Version
				if d.rng.IntN(2) == 0 {
					u.CreatedAt = cur.CreatedAt
				}
			}
			if d.rng.IntN(6) == 0 {
				u.Version += int64(d.rng.IntN(3)) - 1
			}
			var record []engine.Occurrence
			for range d.rng.IntN(3) {
				record = append(record, d.occurrence(u, d.tied()))
			}
			g, w := u.Clone(), u.Clone()
			gotErr := d.got.UpdateSchedule(ctx, g, record...)
			wantErr := d.want.UpdateSchedule(ctx, w, record...)
			d.check("UpdateSchedule", g, w, gotErr, wantErr)
		case op < 28:
			id := d.pick(d.schedules)
			account := d.owner[id]
			if d.rng.IntN(5) == 0 {
				account = d.pick(d.accounts)
			}
			g, gotErr := d.got.DeleteSchedule(ctx, account, id)
			w, wantErr := d.want.DeleteSchedule(ctx, account, id)
			d.check("DeleteSchedule", g, w, gotErr, wantErr)
		case op < 34:
			id := d.pick(d.schedules)
			g, gotErr := d.got.GetSchedule(ctx, d.owner[id], id)
			w, wantErr := d.want.GetSchedule(ctx, d.owner[id], id)
			d.check("GetSchedule", g, w, gotErr, wantErr)
		case op < 40:
			id := d.pick(d.schedules)
			from := diffBase.Add(time.Duration(d.rng.IntN(6)) * time.Second)
			to := from.Add(time.Duration(d.rng.IntN(6)) * time.Second)
			limit := d.rng.IntN(4) - 1
			g, gotErr := d.got.ListOccurrences(ctx, d.owner[id], id, from, to, limit)
			w, wantErr := d.want.ListOccurrences(ctx, d.owner[id], id, from, to, limit)
			d.check("ListOccurrences", g, w, gotErr, wantErr)
		case op < 52:
			d.claim()
		case op < 60:
			var r *engine.Run
			if d.rng.IntN(2) == 0 && len(d.schedules) > 0 {
				id := d.pick(d.schedules)
				r = d.newRun(d.owner[id], id, d.tied())
			} else {
				r = d.newRun(d.pick(d.accounts), "", d.tied())
			}
			if d.rng.IntN(10) == 0 && len(d.runs) > 0 {
				r.ID = d.pick(d.runs)
			}
			gotErr := d.got.CreateRun(ctx, r.Clone())
			wantErr := d.want.CreateRun(ctx, r.Clone())
			d.check("CreateRun", nil, nil, gotErr, wantErr)
			if gotErr == nil {
				d.runs = append(d.runs, r.ID)
				d.runOwner[r.ID] = r.AccountID
			}
		case op < 64:
			id := d.pick(d.runs)
			g, gotErr := d.got.GetRun(ctx, d.runOwner[id], id)
			w, wantErr := d.want.GetRun(ctx, d.runOwner[id], id)
			d.check("GetRun", g, w, gotErr, wantErr)
		case op < 72:
			worker := d.pick(d.workers)
			d.now = d.now.Add(time.Duration(d.rng.IntN(20)) * time.Second)
			lease := d.now.Add(time.Duration(d.rng.IntN(60)) * time.Second)
			limit := d.rng.IntN(4)
			g, gotErr := d.got.AcquireRuns(ctx, worker, d.now, lease, limit)
			w, wantErr := d.want.AcquireRuns(ctx, worker, d.now, lease, limit)
			d.check("AcquireRuns", g, w, gotErr, wantErr)
		case op < 76:
			id, worker := d.pick(d.runs), d.pick(d.workers)
			until := d.now.Add(time.Duration(d.rng.IntN(60)) * time.Second)
			gotErr := d.got.RenewLease(ctx, id, worker, until)
			wantErr := d.want.RenewLease(ctx, id, worker, until)
			d.check("RenewLease", nil, nil, gotErr, wantErr)
		case op < 84:
			id, worker := d.pick(d.runs), d.pick(d.workers)
			f := engine.Finish{Status: engine.RunCompleted, FinishedAt: d.now.Add(time.Second)}
			switch d.rng.IntN(3) {
			case 0:
				f.Status, f.Error = engine.RunFailed, "boom"
			case 1:
				f.Results, f.LastAgentMessage = []engine.Message{{Role: "assistant", Content: "ok"}}, "ok"
			}
			g, gotErr := d.got.FinishRun(ctx, id, worker, f)
			w, wantErr := d.want.FinishRun(ctx, id, worker, f)
			d.check("FinishRun", g, w, gotErr, wantErr)
		case op < 87:
			d.now = d.now.Add(time.Duration(d.rng.IntN(30)) * time.Second)
			g, gotErr := d.got.ExpireLeases(ctx, d.now, "expired")
			w, wantErr := d.want.ExpireLeases(ctx, d.now, "expired")
			d.check("ExpireLeases", g, w, gotErr, wantErr)
		case op < 91:
			id := d.pick(d.runs)
			msg := engine.Message{Role: "user", Content: fmt.Sprint(i)}
			g, gotErr := d.got.RequeueRun(ctx, d.runOwner[id], id, msg, d.now)
			w, wantErr := d.want.RequeueRun(ctx, d.runOwner[id], id, msg, d.now)
			d.check("RequeueRun", g, w, gotErr, wantErr)
		case op < 94:
			// Prune in batches, as the engine does, until a batch comes
			// back short: both stores delete min(limit, what is eligible)
			// per call, so the counts agree call by call.
			before := d.now.Add(-time.Duration(d.rng.IntN(60)) * time.Second)
			limit := d.rng.IntN(5)
			for {
				g, gotErr := d.got.PruneBefore(ctx, before, limit)
				w, wantErr := d.want.PruneBefore(ctx, before, limit)
				d.check("PruneBefore", g, w, gotErr, wantErr)
				d.pruned += g
				if g < limit || limit == 0 || gotErr != nil {
					break
				}
			}
		case op < 99:
			hash, account := fmt.Sprint(d.rng.IntN(5)), d.pick(d.accounts)
			d.check("PutKey", nil, nil, d.got.PutKey(ctx, hash, account), d.want.PutKey(ctx, hash, account))
			probe := fmt.Sprint(d.rng.IntN(6))
			g, gotErr := d.got.AccountForKey(ctx, probe)
			w, wantErr := d.want.AccountForKey(ctx, probe)
			d.check("AccountForKey", g, w, gotErr, wantErr)
			gn, gotErr := d.got.CountKeys(ctx)
			wn, wantErr := d.want.CountKeys(ctx)
			d.check("CountKeys", gn, wn, gotErr, wantErr)
		default:
			d.compareAll()
		}
	}
	d.compareAll()
	if d.pruned == 0 {
		d.t.Errorf("%d operations pruned nothing: the pruning ops test nothing", ops)
	}
	d.t.Logf("%d records pruned", d.pruned)
}

// claim runs ClaimDue on both stores with the same decisions.
func (d *diffRun) claim() {
	d.t.Helper()
	ctx := context.Background()
	now := diffBase.Add(time.Duration(d.rng.IntN(3*3600)) * time.Second)
	limit := d.rng.IntN(5)
	var (
		dues   []engine.Due
		claims []engine.Claim
	)
	decide := func(due engine.Due) engine.Claim {
		s := due.Schedule
		fire := s.NextRunAt
		var c engine.Claim
		if d.rng.IntN(4) == 0 {
			c.Occurrences = append(c.Occurrences, d.occurrence(s, d.tied())) // may conflict
		}
		c.Occurrences = append(c.Occurrences, d.occurrence(s, fire))
		if d.rng.IntN(3) != 0 {
			at := fire
			if d.rng.IntN(6) == 0 {
				at = d.tied() // may conflict with an earlier run
			}
			c.Run = d.newRun(s.AccountID, s.ID, at)
			c.Occurrences[len(c.Occurrences)-1].RunID = c.Run.ID
		}
		if d.rng.IntN(5) != 0 {
			c.NextRunAt = d.unique(3 * time.Hour)
		}
		c.LastRunAt = fire
		c.LastDispatchedAt = d.tied()
		dues = append(dues, due)
		claims = append(claims, c)
		return c
	}
	wn, wantErr := d.want.ClaimDue(ctx, now, limit, decide)
	i := 0
	gn, gotErr := d.got.ClaimDue(ctx, now, limit, func(due engine.Due) engine.Claim {
		if i >= len(dues) {
			d.t.Fatalf("ClaimDue: store handed %d schedules, reference %d", i+1, len(dues))
		}
		if diff := cmp.Diff(dues[i], due, diffOpts); diff != "" {
			d.t.Fatalf("ClaimDue: due #%d mismatch (-reference +store):\n%s", i, diff)
		}
		c := claims[i]
		i++
		// Hand over an equal copy: stores must not keep the caller's values.
		if c.Run != nil {
			c.Run = c.Run.Clone()
		}
		return c
	})
	d.check(fmt.Sprintf("ClaimDue(now %v, limit %d)", now, limit), gn, wn, gotErr, wantErr)
	for _, c := range claims {
		if c.Run != nil {
			d.runs = append(d.runs, c.Run.ID)
			d.runOwner[c.Run.ID] = c.Run.AccountID
		}
	}
}

// compareAll compares everything observable.
func (d *diffRun) compareAll() {
	d.t.Helper()
	ctx := context.Background()
	gn, gotErr := d.got.NextDue(ctx)
	wn, wantErr := d.want.NextDue(ctx)
	d.check("NextDue", gn, wn, gotErr, wantErr)
	limit := []int{-1, 0, 3, 7, engine.MaxPageLimit}[d.rng.IntN(5)]
	for _, account := range d.accounts {
		d.check("ListSchedules "+account, walk(d.t, d.got.ListSchedules, account, limit), walk(d.t, d.want.ListSchedules, account, limit), nil, nil)
		filters := []engine.RunFilter{{}, {Status: engine.RunQueued}, {Status: engine.RunCompleted}, {ScheduleID: d.pick(d.schedules)}}
		for _, f := range filters {
			f.Limit = limit
			d.check(fmt.Sprintf("ListRuns %s %+v", account, f), walkRuns(d.t, d.got, account, f), walkRuns(d.t, d.want, account, f), nil, nil)
		}
	}
	for _, id := range d.schedules {
		g, gotErr := d.got.ListOccurrences(ctx, d.owner[id], id, diffBase.Add(-time.Hour), diffBase.Add(24*time.Hour), 0)
		w, wantErr := d.want.ListOccurrences(ctx, d.owner[id], id, diffBase.Add(-time.Hour), diffBase.Add(24*time.Hour), 0)
		d.check("ListOccurrences "+id, g, w, gotErr, wantErr)
	}
}

func walk(t *testing.T, list func(context.Context, string, engine.Page) ([]*engine.Schedule, string, error), account string, limit int) []*engine.Schedule {
	t.Helper()
	var all []*engine.Schedule
	p := engine.Page{Limit: limit}
	for range 10000 {
		page, next, err := list(context.Background(), account, p)
		if err != nil {
			t.Fatalf("ListSchedules: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		p.Cursor = next
	}
	t.Fatal("ListSchedules: cursor never ends")
	return nil
}

func walkRuns(t *testing.T, st engine.RunStore, account string, f engine.RunFilter) []*engine.Run {
	t.Helper()
	var all []*engine.Run
	for range 10000 {
		page, next, err := st.ListRuns(context.Background(), account, f)
		if err != nil {
			t.Fatalf("ListRuns: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.Cursor = next
	}
	t.Fatal("ListRuns: cursor never ends")
	return nil
}
