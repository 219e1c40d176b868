package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Pruning state. It is built by the first PruneBefore (O(records)), so a
// store that never prunes pays nothing for it, in memory or on its hot
// paths; from then on the store keeps it up to date.
type pruneState struct {
	on bool
	// ended is a lazy min-heap of ended runs by FinishedAt. An entry is
	// live while its slot holds an ended run with that FinishedAt; a run
	// requeued (or deleted) leaves its entry behind, dropped when it
	// surfaces, which is within the retention.
	ended []endedEntry
	// occOld is a lazy min-heap of occurrence lists by the earliest last
	// fire time among their occurrences (a span's last fire is its
	// Through). occMin holds, by list, the key of its live entry (noTime
	// if none); other entries are stale.
	occOld []occOldEntry
	occMin []int64
	// runsPeak is the most runs held since the run maps were last sized:
	// Go maps do not shrink, so they are rebuilt once most runs are gone.
	runsPeak int
}

type endedEntry struct {
	at   int64 // FinishedAt, unix microseconds
	slot uint32
}

type occOldEntry struct {
	at   int64 // the list's earliest last fire time, unix microseconds
	list uint32
}

// PruneBefore implements [engine.Store]. Runs are deleted first, oldest
// FinishedAt first, then occurrences, list by list from the one holding
// the oldest; each costs O(log n) plus, for an occurrence, moving the
// younger ones of its schedule down (a list is compacted once per call).
// Freed run slots are reused by later runs, transcripts and occurrence
// lists are released, and the id maps are rebuilt once fewer than a
// quarter of their peak remain, so memory follows what is kept.
func (st *Store) PruneBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: prune: %w", err)
	}
	if limit <= 0 {
		return 0, nil
	}
	cut := micros(before)
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.prune.on {
		st.startPruning()
	}
	n := st.pruneRuns(cut, limit)
	n += st.pruneOccurrences(cut, limit-n)
	st.shrinkRunMaps()
	return n, nil
}

// startPruning builds the pruning indexes from the records held.
func (st *Store) startPruning() {
	p := &st.prune
	p.on = true
	for slot := range st.runs.n {
		if x := st.runs.at(slot); isEnded(x.status) && x.finished != noTime {
			p.ended = append(p.ended, endedEntry{x.finished, slot})
		}
	}
	heapify(p.ended, func(a, b endedEntry) bool { return a.at < b.at })
	p.occMin = make([]int64, len(st.occLists))
	for l := range st.occLists {
		p.occMin[l] = noTime
		st.noteOccMin(uint32(l))
	}
	p.runsPeak = len(st.runByID)
}

func isEnded(status uint32) bool { return status == hCompleted || status == hFailed }

// noteEnded records that the run in slot ended (call after setting its
// status and FinishedAt).
func (st *Store) noteEnded(slot uint32) {
	if !st.prune.on {
		return
	}
	x := st.runs.at(slot)
	if isEnded(x.status) && x.finished != noTime {
		st.prune.ended = heapPush(st.prune.ended, endedEntry{x.finished, slot}, func(a, b endedEntry) bool { return a.at < b.at })
	}
}

// noteOccurrence records that list l gained an occurrence whose last fire
// time is last.
func (st *Store) noteOccurrence(l uint32, last int64) {
	p := &st.prune
	if !p.on {
		return
	}
	for int(l) >= len(p.occMin) {
		p.occMin = append(p.occMin, noTime)
	}
	if cur := p.occMin[l]; cur == noTime || last < cur {
		p.occMin[l] = last
		p.occOld = heapPush(p.occOld, occOldEntry{last, l}, occOldLess)
	}
}

// noteOccMin computes the earliest last fire time of list l and pushes it.
func (st *Store) noteOccMin(l uint32) {
	p := &st.prune
	p.occMin[l] = noTime
	list := st.occLists[l]
	if len(list) == 0 {
		return
	}
	m := int64(noTime)
	for _, o := range list {
		if !o.span { // the first single fire time: later ones are later
			m = o.fire
			break
		}
	}
	for _, sp := range st.occSpans[l] {
		if m == noTime || sp.through < m {
			m = sp.through
		}
	}
	p.occMin[l] = m
	p.occOld = heapPush(p.occOld, occOldEntry{m, l}, occOldLess)
}

// forgetOccurrences records that list l was dropped.
func (st *Store) forgetOccurrences(l uint32) {
	if st.prune.on && int(l) < len(st.prune.occMin) {
		st.prune.occMin[l] = noTime
	}
}

func occOldLess(a, b occOldEntry) bool { return a.at < b.at }

// pruneRuns deletes up to limit ended runs whose FinishedAt is before cut.
func (st *Store) pruneRuns(cut int64, limit int) int {
	p := &st.prune
	less := func(a, b endedEntry) bool { return a.at < b.at }
	n := 0
	for n < limit && len(p.ended) > 0 && p.ended[0].at < cut {
		var e endedEntry
		p.ended, e = heapPop(p.ended, less)
		if e.slot >= st.runs.n {
			continue
		}
		if x := st.runs.at(e.slot); !isEnded(x.status) || x.finished != e.at {
			continue // requeued, deleted, or ended again since
		}
		st.dropRun(e.slot)
		n++
	}
	return n
}

// dropRun deletes the run in slot from every index and frees the slot.
func (st *Store) dropRun(slot uint32) {
	x := st.runs.at(slot)
	ent := makeOent(slot, x.created, x.id, x.flags&rIDName != 0)
	if a := st.accounts[x.account]; a != nil {
		a.runs.remove(ent, st.runLess)
		st.dropAccountIfEmpty(x.account)
	}
	delete(st.runByID, x.id)
	if x.flags&rHasSched != 0 {
		delete(st.runByFire, fireKey{x.sched, x.scheduledFor})
		if sr := st.schedRuns[x.sched]; sr != nil {
			sr.runs.remove(ent, st.runLess)
			if sr.runs.n == 0 && sr.active == 0 {
				delete(st.schedRuns, x.sched)
			}
		}
	}
	for _, h := range []uint32{x.account, x.status, x.bundle, x.toolhouse, x.callback, x.leaseOwner} {
		st.strs.release(h)
	}
	*st.extras.at(slot) = nil
	*x = run{}
	st.runFree = append(st.runFree, slot)
}

// newRunSlot returns a free run slot (zeroed), reusing a pruned one if
// there is one.
func (st *Store) newRunSlot() uint32 {
	if n := len(st.runFree); n > 0 {
		slot := st.runFree[n-1]
		st.runFree = st.runFree[:n-1]
		return slot
	}
	st.extras.grow()
	return st.runs.grow()
}

// shrinkRunMaps rebuilds the run maps once fewer than a quarter of the
// runs they once held remain (Go maps never give memory back), and trims
// the free list of slots. It costs O(runs) after deleting at least three
// times as many.
func (st *Store) shrinkRunMaps() {
	p := &st.prune
	n := len(st.runByID)
	p.runsPeak = max(p.runsPeak, n)
	if p.runsPeak < 4096 || n >= p.runsPeak/4 {
		return
	}
	byID := make(map[key]uint32, n)
	for k, v := range st.runByID {
		byID[k] = v
	}
	st.runByID = byID
	byFire := make(map[fireKey]uint32, len(st.runByFire))
	for k, v := range st.runByFire {
		byFire[k] = v
	}
	st.runByFire = byFire
	sr := make(map[key]*scheduleRuns, len(st.schedRuns))
	for k, v := range st.schedRuns {
		sr[k] = v
	}
	st.schedRuns = sr
	p.runsPeak = n
}

// pruneOccurrences deletes up to limit occurrences whose last fire time is
// before cut, from the lists holding the oldest first.
func (st *Store) pruneOccurrences(cut int64, limit int) int {
	p := &st.prune
	n := 0
	for n < limit && len(p.occOld) > 0 && p.occOld[0].at < cut {
		var e occOldEntry
		p.occOld, e = heapPop(p.occOld, occOldLess)
		if int(e.list) >= len(p.occMin) || p.occMin[e.list] != e.at {
			continue // stale
		}
		d := st.pruneList(e.list, cut, limit-n)
		n += d
		st.noteOccMin(e.list)
		if d == 0 {
			break // cannot happen; but never spin on an entry that deletes nothing
		}
	}
	return n
}

// pruneList deletes up to limit occurrences of list l whose last fire
// time is before cut, oldest FireTime first, and compacts the list.
func (st *Store) pruneList(l uint32, cut int64, limit int) int {
	list, spans := st.occLists[l], st.occSpans[l]
	// Candidates all have FireTime < cut: a prefix of the list.
	end, _ := slices.BinarySearchFunc(list, cut, func(x occ, t int64) int { return cmpInt(x.fire, t) })
	w, n := 0, 0
	for i := range end {
		o := list[i]
		last := o.fire
		j := -1
		if o.span {
			var ok bool
			if j, ok = slices.BinarySearchFunc(spans, o.fire, func(x occSpan, t int64) int { return cmpInt(x.fire, t) }); ok {
				last = spans[j].through
			} else {
				j = -1
			}
		}
		if n == limit || last >= cut {
			list[w] = o
			w++
			continue
		}
		st.strs.release(o.account)
		st.strs.release(o.outcome)
		st.strs.release(o.reason)
		if j >= 0 {
			spans = slices.Delete(spans, j, j+1)
		}
		n++
	}
	if n == 0 {
		return 0
	}
	w += copy(list[w:], list[end:])
	list = list[:w]
	switch {
	case w == 0:
		list = nil
	case cap(list) >= 4*w && cap(list) > 16:
		list = slices.Clone(list) // give the pruned room back
	}
	st.occLists[l] = list
	if len(spans) == 0 {
		delete(st.occSpans, l)
	} else {
		st.occSpans[l] = spans
	}
	return n
}

// heapify, heapPush and heapPop keep a binary min-heap under less.
func heapify[E any](h []E, less func(a, b E) bool) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i, less)
	}
}

func heapPush[E any](h []E, e E, less func(a, b E) bool) []E {
	h = append(h, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(e, h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	return h
}

func heapPop[E any](h []E, less func(a, b E) bool) ([]E, E) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	if last > 0 {
		siftDown(h, 0, less)
	}
	if cap(h) > 1024 && cap(h) >= 4*len(h) {
		h = slices.Clone(h)
	}
	return h, top
}

func siftDown[E any](h []E, i int, less func(a, b E) bool) {
	n := len(h)
	e := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && less(h[r], h[c]) {
			c = r
		}
		if !less(h[c], e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
}
