package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// run is a stored run: 128 bytes, no pointers; its variable-size parts live
// in Store.runExtra.
type run struct {
	id, chat, sched                                                key
	account, status, bundle, toolhouse, callback, leaseOwner       uint32
	attempt                                                        int32
	flags                                                          uint8
	scheduledFor, created, updated, started, finished, leaseExpiry int64
}

// run flags.
const (
	rIDName uint8 = 1 << iota
	rChatName
	rSchedName
	rHasSched // ScheduleID is not empty
	rExtra    // Store.runExtra has an entry
)

// runExtra holds the parts of a run that are often empty.
type runExtra struct {
	results          []engine.Message
	err              string
	lastAgentMessage string
	vars             map[string]string
	hasVars          bool // vars is set, possibly empty
}

func (x *runExtra) empty() bool {
	return x.results == nil && x.err == "" && x.lastAgentMessage == "" && !x.hasVars
}

// fireKey is the unique (schedule id, scheduled_for) pair of a scheduled run.
type fireKey struct {
	sched key
	at    int64
}

// scheduleRuns indexes one schedule's runs (kept after the schedule is
// deleted, like the runs).
type scheduleRuns struct {
	active int     // runs queued or in progress
	runs   ordered // by (created, id)
	// The first chunk list and the first entries live here, so that a
	// schedule's first run costs one allocation, not three.
	firstChunks [1][]oent
	first       [4]oent
}

func (st *Store) activeRuns(k key) int {
	if sr := st.schedRuns[k]; sr != nil {
		return sr.active
	}
	return 0
}

// runLess orders run slots by (CreatedAt, ID).
func (st *Store) runLess(a, b uint32) bool {
	x, y := st.runs.at(a), st.runs.at(b)
	if x.created != y.created {
		return x.created < y.created
	}
	return st.compareIDs(x.id, x.flags&rIDName != 0, y.id, y.flags&rIDName != 0) < 0
}

// runKeys are the encoded ids of a new run.
type runKeys struct {
	id, sched         key
	idName, schedName bool
}

// checkNewRun refuses a run whose id, or (schedule id, scheduled_for), is
// taken, and returns its encoded ids.
func (st *Store) checkNewRun(r *engine.Run, hint *claimHint) (runKeys, error) {
	var k runKeys
	k.id, k.idName = encode(r.ID)
	if _, ok := st.runByID[k.id]; ok {
		return k, fmt.Errorf("run %s exists: %w", r.ID, engine.ErrConflict)
	}
	if r.ScheduleID != "" {
		if hint != nil && r.ScheduleID == hint.id {
			k.sched, k.schedName = hint.s.id, hint.s.flags&fIDName != 0
		} else {
			k.sched, k.schedName = encode(r.ScheduleID)
		}
		if _, ok := st.runByFire[fireKey{k.sched, micros(r.ScheduledFor)}]; ok {
			return k, fmt.Errorf("schedule %s already has a run for %s: %w", r.ScheduleID, r.ScheduledFor.Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	return k, nil
}

// claimHint is the schedule a claimed run most likely copies its fields
// from, with the id texts handed to decide.
type claimHint struct {
	s        *sched
	id, chat string
}

// insertRun stores r, which checkNewRun accepted with keys k.
func (st *Store) insertRun(r *engine.Run, k runKeys, hint *claimHint) {
	slot := st.newRunSlot()
	x := st.runs.at(slot)
	x.id = k.id
	if k.idName {
		st.register(r.ID)
		x.flags |= rIDName
	}
	if hint != nil {
		hs := hint.s
		if r.ChatID == hint.chat {
			x.chat = hs.chat
			setFlag(&x.flags, rChatName, hs.flags&fChatName != 0)
		} else {
			var name bool
			x.chat, name = st.register(r.ChatID)
			setFlag(&x.flags, rChatName, name)
		}
		x.account = st.strs.addLike(r.AccountID, hs.account)
		x.bundle = st.strs.addLike(r.Bundle, hs.bundle)
		x.toolhouse = st.strs.addLike(r.ToolhouseID, hs.toolhouse)
		x.callback = st.strs.addLike(r.CallbackURL, hs.callback)
	} else {
		var name bool
		x.chat, name = st.register(r.ChatID)
		setFlag(&x.flags, rChatName, name)
		x.account = st.strs.add(r.AccountID)
		x.bundle = st.strs.add(r.Bundle)
		x.toolhouse = st.strs.add(r.ToolhouseID)
		x.callback = st.strs.add(r.CallbackURL)
	}
	x.leaseOwner = st.strs.add(r.LeaseOwner)
	x.attempt = int32(r.Attempt)
	x.scheduledFor = micros(r.ScheduledFor)
	x.created = micros(r.CreatedAt)
	x.updated = micros(r.UpdatedAt)
	x.started = micros(r.StartedAt)
	x.finished = micros(r.FinishedAt)
	x.leaseExpiry = micros(r.LeaseExpiresAt)
	if r.Results != nil || r.Error != "" || r.LastAgentMessage != "" || r.Vars != nil {
		*st.extras.at(slot) = &runExtra{
			results:          slices.Clone(r.Results),
			err:              r.Error,
			lastAgentMessage: r.LastAgentMessage,
			vars:             maps.Clone(r.Vars),
			hasVars:          r.Vars != nil,
		}
		x.flags |= rExtra
	}
	st.runByID[x.id] = slot
	ent := makeOent(slot, x.created, x.id, x.flags&rIDName != 0)
	st.account(x.account).runs.insert(ent, st.runLess)
	var sr *scheduleRuns
	if r.ScheduleID != "" {
		x.sched = k.sched
		if k.schedName {
			st.register(r.ScheduleID)
			x.flags |= rSchedName
		}
		x.flags |= rHasSched
		st.runByFire[fireKey{x.sched, x.scheduledFor}] = slot
		sr = st.schedRuns[x.sched]
		if sr == nil {
			sr = &scheduleRuns{}
			sr.runs.start(ent, &sr.firstChunks, sr.first[:])
			st.schedRuns[x.sched] = sr
		} else {
			sr.runs.insert(ent, st.runLess)
		}
	}
	// What setStatus does for a run that had no status, without looking
	// sr up again.
	status := st.strs.add(string(r.Status))
	x.status = status
	if sr != nil && isActive(status) {
		sr.active++
	}
	switch status {
	case hQueued:
		st.queuePush(slot)
	case hInProgress:
		st.leased[slot] = struct{}{}
	case hCompleted, hFailed:
		st.noteEnded(slot)
	}
}

func isActive(status uint32) bool { return status == hQueued || status == hInProgress }

// setStatus moves the run in slot to status (a handle whose reference the
// caller passes on), keeping the queue, the leased set and the per-schedule
// active count.
func (st *Store) setStatus(slot uint32, status uint32) {
	x := st.runs.at(slot)
	old := x.status
	if x.flags&rHasSched != 0 && isActive(old) != isActive(status) {
		if sr := st.schedRuns[x.sched]; isActive(status) {
			sr.active++
		} else {
			sr.active--
		}
	}
	if old == hInProgress {
		delete(st.leased, slot)
	}
	x.status = status
	st.strs.release(old)
	switch status {
	case hQueued:
		st.queuePush(slot)
	case hInProgress:
		st.leased[slot] = struct{}{}
	case hCompleted, hFailed:
		st.noteEnded(slot)
	}
}

// endLease clears the lease of the run in slot.
func (st *Store) endLease(x *run) {
	st.strs.release(x.leaseOwner)
	x.leaseOwner = hEmpty
	x.leaseExpiry = noTime
}

func (st *Store) extra(slot uint32) *runExtra {
	x := st.runs.at(slot)
	if x.flags&rExtra == 0 {
		e := &runExtra{}
		*st.extras.at(slot) = e
		x.flags |= rExtra
		return e
	}
	return *st.extras.at(slot)
}

// tidyExtra drops the extra record of slot if it holds nothing.
func (st *Store) tidyExtra(slot uint32) {
	x := st.runs.at(slot)
	if e := st.extras.at(slot); x.flags&rExtra != 0 && (*e).empty() {
		*e = nil
		x.flags &^= rExtra
	}
}

// run returns the engine form of the run in slot.
func (st *Store) run(slot uint32) *engine.Run {
	out := new(engine.Run)
	st.fillRun(out, slot, "", true)
	return out
}

// runWithID is run for a caller that has the id text already.
func (st *Store) runWithID(slot uint32, id string) *engine.Run {
	out := new(engine.Run)
	st.fillRun(out, slot, id, false)
	return out
}

// fillRun sets *out to the engine form of the run in slot, whose id text
// is id unless decodeID asks for it to be decoded. The texts of the ids
// decoded share one allocation.
func (st *Store) fillRun(out *engine.Run, slot uint32, id string, decodeID bool) {
	x := st.runs.at(slot)
	ids, n := [3]storedID{{x.chat, x.flags&rChatName != 0}}, 1
	if x.flags&rHasSched != 0 {
		ids[n] = storedID{x.sched, x.flags&rSchedName != 0}
		n++
	}
	if decodeID {
		ids[n] = storedID{x.id, x.flags&rIDName != 0}
		n++
	}
	texts := st.decodeIDs(ids, n)
	if decodeID {
		id = texts[n-1]
	}
	*out = engine.Run{
		ID:             id,
		AccountID:      st.strs.get(x.account),
		ChatID:         texts[0],
		Status:         engine.RunStatus(st.strs.get(x.status)),
		Bundle:         st.strs.get(x.bundle),
		ToolhouseID:    st.strs.get(x.toolhouse),
		CallbackURL:    st.strs.get(x.callback),
		ScheduledFor:   fromMicros(x.scheduledFor),
		CreatedAt:      fromMicros(x.created),
		UpdatedAt:      fromMicros(x.updated),
		StartedAt:      fromMicros(x.started),
		FinishedAt:     fromMicros(x.finished),
		Attempt:        int(x.attempt),
		LeaseOwner:     st.strs.get(x.leaseOwner),
		LeaseExpiresAt: fromMicros(x.leaseExpiry),
	}
	if x.flags&rHasSched != 0 {
		out.ScheduleID = texts[1]
	}
	if x.flags&rExtra != 0 {
		e := *st.extras.at(slot)
		out.Results = slices.Clone(e.results)
		out.Error = e.err
		out.LastAgentMessage = e.lastAgentMessage
		if e.hasVars {
			out.Vars = maps.Clone(e.vars)
			if out.Vars == nil {
				out.Vars = map[string]string{}
			}
		}
	}
}

func (st *Store) lookupRun(accountID, id string) (uint32, *run, bool) {
	k, _ := encode(id)
	slot, ok := st.runByID[k]
	if !ok {
		return 0, nil, false
	}
	x := st.runs.at(slot)
	if st.strs.get(x.account) != accountID {
		return 0, nil, false
	}
	return slot, x, true
}

// leasedRun returns the in-progress run id held by worker.
func (st *Store) leasedRun(id, worker string) (uint32, *run, bool) {
	k, _ := encode(id)
	slot, ok := st.runByID[k]
	if !ok {
		return 0, nil, false
	}
	x := st.runs.at(slot)
	if x.status != hInProgress || st.strs.get(x.leaseOwner) != worker {
		return 0, nil, false
	}
	return slot, x, true
}

// CreateRun implements [engine.RunStore].
func (st *Store) CreateRun(ctx context.Context, r *engine.Run) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k, err := st.checkNewRun(r, nil)
	if err != nil {
		return fmt.Errorf("memstore: create run: %w", err)
	}
	st.insertRun(r, k, nil)
	return nil
}

// GetRun implements [engine.RunStore].
func (st *Store) GetRun(ctx context.Context, accountID, id string) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, _, ok := st.lookupRun(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: get run %s: %w", id, engine.ErrNotFound)
	}
	return st.runWithID(slot, id), nil
}

// ListRuns implements [engine.RunStore]. With a ScheduleID it walks that
// schedule's runs, else the account's; a Status filter skips the runs that
// do not match one by one.
func (st *Store) ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list runs: %w", err)
	}
	c, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("memstore: list runs: %w", err)
	}
	limit := pageLimit(f.Limit)
	st.mu.Lock()
	defer st.mu.Unlock()
	acct, ok := st.strs.lookup(accountID)
	if !ok || st.accounts[acct] == nil {
		return nil, "", nil
	}
	status := hEmpty
	if f.Status != "" {
		if status, ok = st.strs.lookup(string(f.Status)); !ok {
			return nil, "", nil
		}
	}
	index := &st.accounts[acct].runs
	if f.ScheduleID != "" {
		k, _ := encode(f.ScheduleID)
		sr := st.schedRuns[k]
		if sr == nil {
			return nil, "", nil
		}
		index = &sr.runs
	}
	var bound func(uint32) bool
	if c != nil {
		bound = func(slot uint32) bool {
			x := st.runs.at(slot)
			return st.before(c, x.created, x.id, x.flags&rIDName != 0)
		}
	}
	var out []*engine.Run
	more := false
	index.descend(bound, func(slot uint32) bool {
		x := st.runs.at(slot)
		if x.account != acct || (status != hEmpty && x.status != status) {
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, st.run(slot))
		return true
	})
	next := ""
	if more {
		last := out[len(out)-1]
		next = cursor{micros(last.CreatedAt), last.ID}.String()
	}
	return out, next, nil
}

// RequeueRun implements [engine.RunStore].
func (st *Store) RequeueRun(ctx context.Context, accountID, id string, msg engine.Message, now time.Time) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: requeue run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, x, ok := st.lookupRun(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: requeue run %s: %w", id, engine.ErrNotFound)
	}
	if x.status != hCompleted {
		return nil, fmt.Errorf("memstore: requeue run %s (%s): %w", id, st.strs.get(x.status), engine.ErrRunNotCompleted)
	}
	e := st.extra(slot)
	e.results = append(slices.Clip(e.results), msg)
	e.err = ""
	e.lastAgentMessage = ""
	x.started = noTime
	x.finished = noTime
	x.updated = micros(now)
	st.endLease(x)
	st.setStatus(slot, hQueued)
	return st.run(slot), nil
}

// AcquireRuns implements [engine.RunStore]. It also sets UpdatedAt to now.
func (st *Store) AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: acquire runs: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	n := min(limit, len(st.queued))
	if n <= 0 {
		return nil, nil
	}
	// One allocation for the batch's records, one for the pointers.
	recs := make([]engine.Run, n)
	out := make([]*engine.Run, 0, n)
	nowUS, until := micros(now), micros(leaseUntil)
	owner := hEmpty
	for len(out) < n {
		slot := st.queuePop()
		x := st.runs.at(slot)
		x.started = nowUS
		x.updated = nowUS
		x.attempt++
		if owner == hEmpty {
			owner = st.strs.add(worker)
		} else {
			owner = st.strs.addLike(worker, owner)
		}
		st.strs.release(x.leaseOwner)
		x.leaseOwner = owner
		x.leaseExpiry = until
		st.setStatus(slot, hInProgress)
		r := &recs[len(out)]
		st.fillRun(r, slot, "", true)
		out = append(out, r)
	}
	return out, nil
}

// RenewLease implements [engine.RunStore]. An unknown run is [engine.ErrLeaseLost].
func (st *Store) RenewLease(ctx context.Context, id, worker string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: renew lease: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	_, x, ok := st.leasedRun(id, worker)
	if !ok {
		return fmt.Errorf("memstore: renew lease of run %s for %s: %w", id, worker, engine.ErrLeaseLost)
	}
	x.leaseExpiry = micros(until)
	return nil
}

// FinishRun implements [engine.RunStore]. It sets UpdatedAt to
// f.FinishedAt and clears the lease. An unknown run is [engine.ErrLeaseLost].
func (st *Store) FinishRun(ctx context.Context, id, worker string, f engine.Finish) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: finish run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, x, ok := st.leasedRun(id, worker)
	if !ok {
		return nil, fmt.Errorf("memstore: finish run %s for %s: %w", id, worker, engine.ErrLeaseLost)
	}
	if f.Results != nil || f.Error != "" || f.LastAgentMessage != "" || x.flags&rExtra != 0 {
		e := st.extra(slot)
		e.results = slices.Clone(f.Results)
		e.err = f.Error
		e.lastAgentMessage = f.LastAgentMessage
		st.tidyExtra(slot)
	}
	x.finished = micros(f.FinishedAt)
	x.updated = x.finished
	st.endLease(x)
	st.setStatus(slot, st.strs.add(string(f.Status)))
	return st.runWithID(slot, id), nil
}

// ExpireLeases implements [engine.RunStore]. Expired runs get FinishedAt and
// UpdatedAt = now and lose their lease; they are returned in id order.
func (st *Store) ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: expire leases: %w", err)
	}
	nowUS := micros(now)
	st.mu.Lock()
	defer st.mu.Unlock()
	var expired []uint32
	for slot := range st.leased {
		if st.runs.at(slot).leaseExpiry < nowUS {
			expired = append(expired, slot)
		}
	}
	slices.SortFunc(expired, func(a, b uint32) int {
		x, y := st.runs.at(a), st.runs.at(b)
		return st.compareIDs(x.id, x.flags&rIDName != 0, y.id, y.flags&rIDName != 0)
	})
	out := make([]*engine.Run, 0, len(expired))
	for _, slot := range expired {
		x := st.runs.at(slot)
		st.extra(slot).err = errText
		st.tidyExtra(slot)
		x.finished = nowUS
		x.updated = nowUS
		st.endLease(x)
		st.setStatus(slot, hFailed)
		out = append(out, st.run(slot))
	}
	return out, nil
}
