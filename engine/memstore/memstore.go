// Package memstore is an in-memory [engine.Store] and [engine.KeyStore]:
// fast, compact, concurrency-safe, and gone when the process exits. Use it
// for tests, demos and single-process deployments that can afford to lose
// their schedules on restart.
//
// # Memory
//
// A schedule is held in about 200 bytes: ids that are canonical UUIDs are
// kept as 16 bytes, times as int64 microseconds, repeated strings (account,
// cadence, cron, time zone, bundle, toolhouse, callback URL) once per
// distinct value, and Vars only when set. Records live in chunked arrays
// without pointers, so the garbage collector does not scan them. Ids that
// are not UUIDs work too, at the cost of remembering their text for the life
// of the store.
//
// Measured (TestMemoryPerSchedule, BenchmarkMemoryPerSchedule): about 200-220
// bytes per schedule at 1,000,000 schedules; a finished run with a short
// transcript and its occurrence cost about 550-640 bytes
// (BenchmarkMemoryPerRun, TestMemoryPruned).
//
// Runs and occurrences stay until [Store.PruneBefore] deletes them (the
// engine calls it when [engine.Config.Retention] is set). Pruning gives
// the memory back: transcripts, occurrence lists and index entries are
// released, and the id maps are rebuilt once most runs are gone; only the
// run's slot (about 140 bytes of a pointer-free table) is kept, for the
// next run to reuse. TestMemoryPruned measures about 640 bytes for a day's
// run and occurrence, about 210 kept once pruned, and a peak within 10%
// of one day's history over ten days pruned daily. The pruning indexes
// (a heap of ended runs by FinishedAt, one of occurrence lists by their
// oldest last fire) are built by the first PruneBefore, so a store that
// never prunes pays nothing for them.
//
// # Cost
//
// NextDue is O(1) amortised and ClaimDue O(log n) per schedule handled (a
// lazy min-heap on NextRunAt); AcquireRuns is O(log q) per run (a heap of queued runs);
// PruneBefore is O(log n) per record deleted (plus compacting each
// occurrence list it touches);
// FinishRun, RenewLease and lookups by id are O(1); listings are O(log n +
// page) through per-account ordered indexes, except that a Status filter
// skips non-matching runs one by one. Every method takes one mutex, so
// concurrent callers are serialised, which also makes ClaimDue and
// AcquireRuns trivially exclusive.
package memstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlcron/nlcron/engine"
)

var (
	_ engine.Store    = (*Store)(nil)
	_ engine.KeyStore = (*Store)(nil)
)

// Store is an in-memory [engine.Store] and [engine.KeyStore]. The zero value
// is not usable; call [New]. All methods are safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	strs  interner
	names map[key]string // ids that are not UUIDs, by their key

	scheds    slab[sched]
	schedFree []uint32
	schedByID map[key]uint32
	schedVars map[uint32]map[string]string // by slot, for schedules with non-nil Vars
	due       []dueEntry                   // lazy min-heap of dueable schedules
	dueStale  int                          // stale entries in due
	accounts  map[uint32]*account          // by account handle
	occLists  [][]occ                      // by sched.occ, each in FireTime order; 0 is unused
	occFree   []uint32
	occSpans  map[uint32][]occSpan // by sched.occ: its spans, in FireTime order

	runs      slab[run]
	runByID   map[key]uint32
	runByFire map[fireKey]uint32
	extras    slab[*runExtra] // by run slot: nil unless the run has a transcript, error, message or vars
	schedRuns map[key]*scheduleRuns
	queued    []queueEntry        // min-heap of queued runs
	leased    map[uint32]struct{} // in-progress runs

	runFree []uint32 // run slots freed by pruning, reused first

	prune pruneState // see prune.go

	keys map[string]uint32 // API key hash -> account handle
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		strs:      newInterner(permanentStrings...),
		names:     make(map[key]string),
		schedByID: make(map[key]uint32),
		schedVars: make(map[uint32]map[string]string),
		accounts:  make(map[uint32]*account),
		occLists:  make([][]occ, 1),
		occSpans:  make(map[uint32][]occSpan),
		runByID:   make(map[key]uint32),
		runByFire: make(map[fireKey]uint32),
		schedRuns: make(map[key]*scheduleRuns),
		leased:    make(map[uint32]struct{}),
		keys:      make(map[string]uint32),
	}
}

// sched is a stored schedule: 128 bytes, no pointers.
type sched struct {
	id, chat                                                  key
	account, cadence, cron, tz, bundle, toolhouse, callback   uint32
	gen                                                       uint32 // matches its live entry in Store.due; kept across slot reuse
	created, updated, lastRun, next, lastDispatched, pausedAt int64  // unix microseconds or noTime
	version                                                   int64
	occ                                                       uint32 // index in Store.occLists; 0 if none
	flags                                                     uint8
}

// sched flags.
const (
	fActive uint8 = 1 << iota
	fIDName
	fChatName
	fVars   // Store.schedVars has an entry (possibly empty)
	fInHeap // Store.due holds a live entry for it
)

// account indexes an account's schedules and runs newest first.
type account struct {
	schedules ordered // by (created, id)
	runs      ordered // by (created, id)
}

// occ is a stored occurrence: 48 bytes, no pointers.
type occ struct {
	fire, recorded           int64
	run                      key
	account, outcome, reason uint32
	runName                  bool
	span                     bool // Store.occSpans holds the rest of it
}

// occSpan is the rest of a stored span (an occurrence standing for several
// fire times). Spans are few (one per pause), so they are kept apart and
// the occ of every other occurrence stays small.
type occSpan struct {
	fire, through, count int64
}

func (st *Store) account(h uint32) *account {
	a := st.accounts[h]
	if a == nil {
		a = &account{}
		st.accounts[h] = a
	}
	return a
}

func (st *Store) dropAccountIfEmpty(h uint32) {
	if a := st.accounts[h]; a != nil && a.schedules.n == 0 && a.runs.n == 0 {
		delete(st.accounts, h)
	}
}

// schedLess orders schedule slots by (CreatedAt, ID).
func (st *Store) schedLess(a, b uint32) bool {
	x, y := st.scheds.at(a), st.scheds.at(b)
	if x.created != y.created {
		return x.created < y.created
	}
	return st.compareIDs(x.id, x.flags&fIDName != 0, y.id, y.flags&fIDName != 0) < 0
}

// schedEnt is the schedules index entry of slot, keyed by its current
// CreatedAt and ID.
func (st *Store) schedEnt(slot uint32) oent {
	x := st.scheds.at(slot)
	return makeOent(slot, x.created, x.id, x.flags&fIDName != 0)
}

func (st *Store) lookupSchedule(accountID, id string) (uint32, *sched, bool) {
	k, _ := encode(id)
	slot, ok := st.schedByID[k]
	if !ok {
		return 0, nil, false
	}
	s := st.scheds.at(slot)
	if st.strs.get(s.account) != accountID {
		return 0, nil, false
	}
	return slot, s, true
}

// setSchedule stores the fields of in into s (the id and account are set
// by the caller), adjusting string references.
func (st *Store) setSchedule(slot uint32, s *sched, in *engine.Schedule) {
	var name bool
	s.chat, name = st.register(in.ChatID)
	setFlag(&s.flags, fChatName, name)
	st.strs.replace(&s.cadence, in.Cadence)
	st.strs.replace(&s.cron, in.Cron)
	st.strs.replace(&s.tz, in.Timezone)
	st.strs.replace(&s.bundle, in.Bundle)
	st.strs.replace(&s.toolhouse, in.ToolhouseID)
	st.strs.replace(&s.callback, in.CallbackURL)
	setFlag(&s.flags, fActive, in.Active)
	s.created = micros(in.CreatedAt)
	s.updated = micros(in.UpdatedAt)
	s.lastRun = micros(in.LastRunAt)
	s.next = micros(in.NextRunAt)
	s.lastDispatched = micros(in.LastDispatchedAt)
	s.pausedAt = micros(in.PausedAt)
	s.version = in.Version
	if in.Vars != nil {
		st.schedVars[slot] = maps.Clone(in.Vars)
		s.flags |= fVars
	} else if s.flags&fVars != 0 {
		delete(st.schedVars, slot)
		s.flags &^= fVars
	}
}

func setFlag(flags *uint8, f uint8, on bool) {
	if on {
		*flags |= f
	} else {
		*flags &^= f
	}
}

// schedule returns the engine form of the schedule in slot.
func (st *Store) schedule(slot uint32) *engine.Schedule {
	s := st.scheds.at(slot)
	ids := st.decodeIDs([3]storedID{{s.id, s.flags&fIDName != 0}, {s.chat, s.flags&fChatName != 0}}, 2)
	out := &engine.Schedule{
		ID:               ids[0],
		AccountID:        st.strs.get(s.account),
		ChatID:           ids[1],
		Cadence:          st.strs.get(s.cadence),
		Cron:             st.strs.get(s.cron),
		Timezone:         st.strs.get(s.tz),
		Active:           s.flags&fActive != 0,
		Bundle:           st.strs.get(s.bundle),
		ToolhouseID:      st.strs.get(s.toolhouse),
		CallbackURL:      st.strs.get(s.callback),
		CreatedAt:        fromMicros(s.created),
		UpdatedAt:        fromMicros(s.updated),
		LastRunAt:        fromMicros(s.lastRun),
		NextRunAt:        fromMicros(s.next),
		LastDispatchedAt: fromMicros(s.lastDispatched),
		PausedAt:         fromMicros(s.pausedAt),
		Version:          s.version,
	}
	if s.flags&fVars != 0 {
		out.Vars = maps.Clone(st.schedVars[slot])
	}
	return out
}

// CreateSchedule implements [engine.ScheduleStore].
func (st *Store) CreateSchedule(ctx context.Context, in *engine.Schedule) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k, name := encode(in.ID)
	if _, ok := st.schedByID[k]; ok {
		return fmt.Errorf("memstore: create schedule %s: %w", in.ID, engine.ErrConflict)
	}
	if name {
		st.register(in.ID)
	}
	var slot uint32
	if n := len(st.schedFree); n > 0 {
		slot = st.schedFree[n-1]
		st.schedFree = st.schedFree[:n-1]
	} else {
		slot = st.scheds.grow()
	}
	s := st.scheds.at(slot)
	*s = sched{id: k, gen: s.gen}
	setFlag(&s.flags, fIDName, name)
	s.account = st.strs.add(in.AccountID)
	st.setSchedule(slot, s, in)
	st.schedByID[k] = slot
	st.account(s.account).schedules.insert(st.schedEnt(slot), st.schedLess)
	st.reschedule(slot)
	return nil
}

// GetSchedule implements [engine.ScheduleStore].
func (st *Store) GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, _, ok := st.lookupSchedule(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: get schedule %s: %w", id, engine.ErrNotFound)
	}
	return st.schedule(slot), nil
}

// cursor is a position in a newest-first listing: the last item returned.
type cursor struct {
	at int64
	id string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + "|" + c.id))
}

func parseCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := &engine.ValidationError{Field: "cursor", Msg: "malformed cursor"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, bad
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return nil, bad
	}
	return &cursor{n, id}, nil
}

// before returns whether the record (created, id) sorts before c, that is,
// comes after it in a newest-first listing.
func (st *Store) before(c *cursor, created int64, id key, idName bool) bool {
	if created != c.at {
		return created < c.at
	}
	if !idName {
		if ck, ok := parseUUID(c.id); ok {
			return st.compareIDs(id, false, ck, false) < 0
		}
	}
	return st.decode(id, idName) < c.id
}

func pageLimit(n int) int {
	if n <= 0 {
		return engine.DefaultPageLimit
	}
	return min(n, engine.MaxPageLimit)
}

// ListSchedules implements [engine.ScheduleStore].
func (st *Store) ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list schedules: %w", err)
	}
	c, err := parseCursor(p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("memstore: list schedules: %w", err)
	}
	limit := pageLimit(p.Limit)
	st.mu.Lock()
	defer st.mu.Unlock()
	h, ok := st.strs.lookup(accountID)
	if !ok || st.accounts[h] == nil {
		return nil, "", nil
	}
	var bound func(uint32) bool
	if c != nil {
		bound = func(slot uint32) bool {
			s := st.scheds.at(slot)
			return st.before(c, s.created, s.id, s.flags&fIDName != 0)
		}
	}
	var out []*engine.Schedule
	more := false
	st.accounts[h].schedules.descend(bound, func(slot uint32) bool {
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, st.schedule(slot))
		return true
	})
	next := ""
	if more {
		last := out[len(out)-1]
		next = cursor{micros(last.CreatedAt), last.ID}.String()
	}
	return out, next, nil
}

// UpdateSchedule implements [engine.ScheduleStore].
func (st *Store) UpdateSchedule(ctx context.Context, in *engine.Schedule, record ...engine.Occurrence) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: update schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, s, ok := st.lookupSchedule(in.AccountID, in.ID)
	if !ok {
		return fmt.Errorf("memstore: update schedule %s: %w", in.ID, engine.ErrNotFound)
	}
	if s.version != in.Version {
		return fmt.Errorf("memstore: update schedule %s: version %d, stored %d: %w", in.ID, in.Version, s.version, engine.ErrConflict)
	}
	a := st.accounts[s.account]
	moved := s.created != micros(in.CreatedAt)
	wasDue, wasNext := s.flags&fActive != 0, s.next
	if moved {
		a.schedules.remove(st.schedEnt(slot), st.schedLess)
	}
	st.setSchedule(slot, s, in)
	s.version++
	if moved {
		a.schedules.insert(st.schedEnt(slot), st.schedLess)
	}
	for _, o := range record {
		st.addOccurrence(s, o, nil, nil)
	}
	if wasDue != (s.flags&fActive != 0) || wasNext != s.next {
		st.reschedule(slot)
	}
	in.Version = s.version
	return nil
}

// occurrences returns the occurrences of s, in FireTime order.
func (st *Store) occurrences(s *sched) []occ { return st.occLists[s.occ] }

// addOccurrence records o for s, reporting whether it was new; an
// occurrence already recorded for its fire time is kept.
// The run being inserted with it, if any, saves encoding its id again.
func (st *Store) addOccurrence(s *sched, o engine.Occurrence, r *engine.Run, rk *runKeys) bool {
	if s.occ == 0 {
		if n := len(st.occFree); n > 0 {
			s.occ = st.occFree[n-1]
			st.occFree = st.occFree[:n-1]
		} else {
			s.occ = uint32(len(st.occLists))
			st.occLists = append(st.occLists, nil)
		}
	}
	list := st.occLists[s.occ]
	fire := micros(o.FireTime)
	i, found := slices.BinarySearchFunc(list, fire, func(x occ, t int64) int { return cmpInt(x.fire, t) })
	if found {
		return false
	}
	var run key
	var runName bool
	if r != nil && o.RunID == r.ID {
		run, runName = rk.id, rk.idName
	} else {
		run, runName = st.register(o.RunID)
	}
	span := !o.Through.IsZero()
	list = slices.Insert(list, i, occ{
		fire:     fire,
		recorded: micros(o.RecordedAt),
		run:      run,
		runName:  runName,
		account:  st.strs.addLike(o.AccountID, s.account),
		outcome:  st.strs.add(string(o.Outcome)),
		reason:   st.strs.add(string(o.Reason)),
		span:     span,
	})
	st.occLists[s.occ] = list
	last := fire
	if span {
		last = micros(o.Through)
		spans := st.occSpans[s.occ]
		j, _ := slices.BinarySearchFunc(spans, fire, func(x occSpan, t int64) int { return cmpInt(x.fire, t) })
		st.occSpans[s.occ] = slices.Insert(spans, j, occSpan{fire: fire, through: last, count: int64(o.Count)})
	}
	st.noteOccurrence(s.occ, last)
	return true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (st *Store) dropOccurrences(s *sched) {
	if s.occ == 0 {
		return
	}
	for _, o := range st.occLists[s.occ] {
		st.strs.release(o.account)
		st.strs.release(o.outcome)
		st.strs.release(o.reason)
	}
	st.occLists[s.occ] = nil
	delete(st.occSpans, s.occ)
	st.forgetOccurrences(s.occ)
	st.occFree = append(st.occFree, s.occ)
	s.occ = 0
}

// DeleteSchedule implements [engine.ScheduleStore].
func (st *Store) DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: delete schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	slot, s, ok := st.lookupSchedule(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: delete schedule %s: %w", id, engine.ErrNotFound)
	}
	out := st.schedule(slot)
	st.accounts[s.account].schedules.remove(st.schedEnt(slot), st.schedLess)
	st.dropAccountIfEmpty(s.account)
	st.dropOccurrences(s)
	delete(st.schedByID, s.id)
	delete(st.schedVars, slot)
	for _, h := range []uint32{s.account, s.cadence, s.cron, s.tz, s.bundle, s.toolhouse, s.callback} {
		st.strs.release(h)
	}
	s.flags &^= fActive
	st.reschedule(slot) // leaves its heap entry stale
	*s = sched{gen: s.gen}
	st.schedFree = append(st.schedFree, slot)
	return out, nil
}

// ListOccurrences implements [engine.ScheduleStore].
func (st *Store) ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: list occurrences: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	_, s, ok := st.lookupSchedule(accountID, scheduleID)
	if !ok {
		return nil, fmt.Errorf("memstore: list occurrences of %s: %w", scheduleID, engine.ErrNotFound)
	}
	list, spans := st.occurrences(s), st.occSpans[s.occ]
	lo, hi := micros(from), micros(to)
	find := func(fire int64) int {
		i, _ := slices.BinarySearchFunc(list, fire, func(x occ, t int64) int { return cmpInt(x.fire, t) })
		return i
	}
	full := func(out []engine.Occurrence) bool { return limit > 0 && len(out) >= limit }
	var out []engine.Occurrence
	// Spans that began before from and reach it come first (spans are
	// few: this walks them, not the older occurrences).
	for _, sp := range spans {
		if sp.fire >= lo || lo >= hi || full(out) {
			break
		}
		if sp.through >= lo {
			out = append(out, st.occurrence(scheduleID, list[find(sp.fire)], spans))
		}
	}
	for i := find(lo); i < len(list) && list[i].fire < hi && !full(out); i++ {
		out = append(out, st.occurrence(scheduleID, list[i], spans))
	}
	return out, nil
}

// occurrence returns the stored o of the schedule scheduleID, whose spans
// are spans.
func (st *Store) occurrence(scheduleID string, o occ, spans []occSpan) engine.Occurrence {
	out := engine.Occurrence{
		ScheduleID: scheduleID,
		AccountID:  st.strs.get(o.account),
		FireTime:   fromMicros(o.fire),
		Outcome:    engine.Outcome(st.strs.get(o.outcome)),
		Reason:     engine.SkipReason(st.strs.get(o.reason)),
		RunID:      st.decode(o.run, o.runName),
		RecordedAt: fromMicros(o.recorded),
	}
	if o.span {
		if j, ok := slices.BinarySearchFunc(spans, o.fire, func(x occSpan, t int64) int { return cmpInt(x.fire, t) }); ok {
			out.Through, out.Count = fromMicros(spans[j].through), int(spans[j].count)
		}
	}
	return out
}

// ClaimDue implements [engine.Store]. The store is locked while decide runs,
// so decide must not call the store. Each selected schedule is handled once
// per call, even if its claim leaves it due. A conflicting claim stops the
// call: the schedules handled before it stay handled (and are counted), the
// conflicting one and the rest are left as they were.
func (st *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: claim due: %w", err)
	}
	nowUS := now.UnixMicro()
	st.mu.Lock()
	defer st.mu.Unlock()
	// Select first, taking the selected schedules out of the heap.
	var pickedBuf [64]uint32
	picked := pickedBuf[:0]
	for len(picked) < limit && st.dueTop() && st.due[0].at <= nowUS {
		slot := st.duePop().slot
		st.scheds.at(slot).flags &^= fInHeap
		picked = append(picked, slot)
	}
	n := 0
	defer func() {
		// Put back what was not handled (a claim failed or decide panicked).
		for _, slot := range picked[n:] {
			st.reschedule(slot)
		}
	}()
	for _, slot := range picked {
		s := st.scheds.at(slot)
		due := st.schedule(slot)
		hint := claimHint{s: s, id: due.ID, chat: due.ChatID}
		c := decide(engine.Due{Schedule: due, ActiveRun: st.activeRuns(s.id) > 0})
		if err := st.applyClaim(slot, c, &hint); err != nil {
			return n, fmt.Errorf("memstore: claim due: schedule %s: %w", hint.id, err)
		}
		n++
	}
	return n, nil
}

func (st *Store) applyClaim(slot uint32, c engine.Claim, hint *claimHint) error {
	s := st.scheds.at(slot)
	list := st.occurrences(s)
	for i, o := range c.Occurrences {
		fire := micros(o.FireTime)
		_, dup := slices.BinarySearchFunc(list, fire, func(x occ, t int64) int { return cmpInt(x.fire, t) })
		for _, p := range c.Occurrences[:i] {
			dup = dup || micros(p.FireTime) == fire
		}
		if dup {
			return fmt.Errorf("occurrence at %s already recorded: %w", o.FireTime.Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	var k runKeys
	if c.Run != nil {
		var err error
		if k, err = st.checkNewRun(c.Run, hint); err != nil {
			return err
		}
	}
	if c.Run != nil {
		st.insertRun(c.Run, k, hint)
	}
	for _, o := range c.Occurrences {
		st.addOccurrence(s, o, c.Run, &k)
	}
	s.next = micros(c.NextRunAt)
	s.lastRun = micros(c.LastRunAt)
	s.lastDispatched = micros(c.LastDispatchedAt)
	s.version++
	st.reschedule(slot)
	return nil
}

// NextDue implements [engine.Store]. It is O(1), amortised.
func (st *Store) NextDue(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, fmt.Errorf("memstore: next due: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.dueTop() {
		return time.Time{}, nil
	}
	return fromMicros(st.due[0].at), nil
}

// PutKey implements [engine.KeyStore].
func (st *Store) PutKey(ctx context.Context, hash, accountID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: put key: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if old, ok := st.keys[hash]; ok {
		st.strs.replace(&old, accountID)
		st.keys[hash] = old
		return nil
	}
	st.keys[strings.Clone(hash)] = st.strs.add(accountID)
	return nil
}

// AccountForKey implements [engine.KeyStore].
func (st *Store) AccountForKey(ctx context.Context, hash string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("memstore: account for key: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	h, ok := st.keys[hash]
	if !ok {
		return "", fmt.Errorf("memstore: account for key: %w", engine.ErrNotFound)
	}
	return st.strs.get(h), nil
}

// CountKeys implements [engine.KeyStore].
func (st *Store) CountKeys(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: count keys: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.keys), nil
}
