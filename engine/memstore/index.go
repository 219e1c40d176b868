package memstore

import "sort"

// ordered is a sorted set of slots kept in chunks of at most orderedChunk
// entries, so that inserting anywhere moves at most one chunk. Each entry
// carries its slot's sort key inline (CreatedAt and, for UUID ids, the first
// eight id bytes), so inserts and removes compare within the chunk array
// instead of loading a record per comparison; only ties on that key (or
// named ids) ask the caller's order, which reads the records the slots name.
type ordered struct {
	chunks [][]oent // never empty
	n      int
}

// oent is one entry of an ordered set.
type oent struct {
	created int64  // CreatedAt, unix microseconds
	pre     uint64 // the id's first eight bytes, big-endian, if exact
	slot    uint32
	exact   bool // the id is a UUID (or empty): pre orders like the id
}

// idPrefix returns the first eight bytes of k, big-endian, so that
// comparing prefixes agrees with bytes.Compare on the keys when they differ.
func idPrefix(k key) uint64 {
	return uint64(k[0])<<56 | uint64(k[1])<<48 | uint64(k[2])<<40 | uint64(k[3])<<32 |
		uint64(k[4])<<24 | uint64(k[5])<<16 | uint64(k[6])<<8 | uint64(k[7])
}

func makeOent(slot uint32, created int64, id key, name bool) oent {
	e := oent{created: created, slot: slot, exact: !name}
	if !name {
		e.pre = idPrefix(id)
	}
	return e
}

// before reports whether a sorts before b, asking less only when the inline
// keys cannot tell.
func (a oent) before(b oent, less func(a, b uint32) bool) bool {
	if a.created != b.created {
		return a.created < b.created
	}
	if a.exact && b.exact && a.pre != b.pre {
		return a.pre < b.pre
	}
	if a.slot == b.slot {
		return false
	}
	return less(a.slot, b.slot)
}

const orderedChunk = 512

// search returns the position of the first slot for which before is false;
// before must be true for a prefix of the set. ci == len(chunks) means the
// end.
func (o *ordered) search(before func(slot uint32) bool) (ci, i int) {
	ci = sort.Search(len(o.chunks), func(c int) bool {
		ch := o.chunks[c]
		return !before(ch[len(ch)-1].slot)
	})
	if ci == len(o.chunks) {
		return ci, 0
	}
	ch := o.chunks[ci]
	return ci, sort.Search(len(ch), func(j int) bool { return !before(ch[j].slot) })
}

// searchEntry returns the position of the first entry that e does not sort
// after.
func (o *ordered) searchEntry(e oent, less func(a, b uint32) bool) (ci, i int) {
	lo, hi := 0, len(o.chunks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		ch := o.chunks[m]
		if ch[len(ch)-1].before(e, less) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	ci = lo
	if ci == len(o.chunks) {
		return ci, 0
	}
	ch := o.chunks[ci]
	lo, hi = 0, len(ch)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ch[m].before(e, less) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return ci, lo
}

func (o *ordered) insert(e oent, less func(a, b uint32) bool) {
	o.n++
	if len(o.chunks) == 0 {
		o.chunks = append(o.chunks, append(make([]oent, 0, 8), e))
		return
	}
	var ci, i int
	if last := o.chunks[len(o.chunks)-1]; last[len(last)-1].before(e, less) {
		// Newest last: the common case, no search.
		ci, i = len(o.chunks)-1, len(last)
	} else {
		ci, i = o.searchEntry(e, less)
	}
	ch := o.chunks[ci]
	if len(ch) == orderedChunk {
		if ci == len(o.chunks)-1 && i == len(ch) {
			// Appending at the very end (the common case: newest last):
			// start a new chunk and leave this one full.
			o.chunks = append(o.chunks, append(make([]oent, 0, 8), e))
			return
		}
		half := len(ch) / 2
		right := make([]oent, len(ch)-half, orderedChunk)
		copy(right, ch[half:])
		o.chunks[ci] = ch[:half]
		o.chunks = append(o.chunks, nil)
		copy(o.chunks[ci+2:], o.chunks[ci+1:])
		o.chunks[ci+1] = right
		if i > half {
			ci, i = ci+1, i-half
		}
		ch = o.chunks[ci]
	}
	ch = append(ch, oent{})
	copy(ch[i+1:], ch[i:])
	ch[i] = e
	o.chunks[ci] = ch
}

// start makes an empty set hold just e, using chunks and buf (which must
// be empty, and are its memory from then on) rather than allocating.
func (o *ordered) start(e oent, chunks *[1][]oent, buf []oent) {
	chunks[0] = append(buf[:0], e)
	o.chunks = chunks[:]
	o.n = 1
}

// remove deletes e, which must be in the set under the same order and key.
func (o *ordered) remove(e oent, less func(a, b uint32) bool) bool {
	ci, i := o.searchEntry(e, less)
	if ci == len(o.chunks) || o.chunks[ci][i].slot != e.slot {
		return false
	}
	o.n--
	ch := o.chunks[ci]
	copy(ch[i:], ch[i+1:])
	ch = ch[:len(ch)-1]
	if len(ch) == 0 {
		o.chunks = append(o.chunks[:ci], o.chunks[ci+1:]...)
		return true
	}
	o.chunks[ci] = ch
	return true
}

// descend calls yield for the slots that sort before the bound, largest
// first, until yield returns false. A nil before means no bound.
func (o *ordered) descend(before func(slot uint32) bool, yield func(slot uint32) bool) {
	ci, i := len(o.chunks), 0
	if before != nil {
		ci, i = o.search(before)
	}
	// Start just before position (ci, i).
	i--
	for {
		if i < 0 {
			ci--
			if ci < 0 {
				return
			}
			i = len(o.chunks[ci]) - 1
		}
		if !yield(o.chunks[ci][i].slot) {
			return
		}
		i--
	}
}

// dueEntry is one schedule in the due heap. The heap is lazy: changing a
// schedule's NextRunAt or Active pushes a new entry and leaves the old one
// behind as stale (its gen no longer matches the schedule's), to be dropped
// when it surfaces or when stale entries outnumber live ones. Sifting thus
// touches only the heap array, never the schedule records.
type dueEntry struct {
	at   int64 // NextRunAt, unix microseconds
	slot uint32
	gen  uint32
}

func (st *Store) dueLive(e dueEntry) bool { return st.scheds.at(e.slot).gen == e.gen }

func (st *Store) dueUp(i int) {
	h := st.due
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= e.at {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (st *Store) dueDown(i int) {
	h := st.due
	n := len(h)
	e := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].at < h[c].at {
			c = r
		}
		if e.at <= h[c].at {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
}

func (st *Store) duePop() dueEntry {
	top := st.due[0]
	last := len(st.due) - 1
	st.due[0] = st.due[last]
	st.due = st.due[:last]
	if last > 0 {
		st.dueDown(0)
	}
	return top
}

// dueTop drops stale entries from the top of the heap and reports whether
// a live one remains there.
func (st *Store) dueTop() bool {
	for len(st.due) > 0 {
		if st.dueLive(st.due[0]) {
			return true
		}
		st.duePop()
		st.dueStale--
	}
	return false
}

// reschedule invalidates the schedule's heap entry, if any, and pushes a
// new one if the schedule is active with a NextRunAt. Call it whenever
// either changes (or the schedule is deleted, after clearing fActive).
func (st *Store) reschedule(slot uint32) {
	s := st.scheds.at(slot)
	if s.flags&fInHeap != 0 {
		st.dueStale++
	}
	s.gen++
	s.flags &^= fInHeap
	if s.flags&fActive != 0 && s.next != noTime {
		st.due = append(st.due, dueEntry{s.next, slot, s.gen})
		st.dueUp(len(st.due) - 1)
		s.flags |= fInHeap
	}
	if st.dueStale > 1024 && st.dueStale > len(st.due)/2 {
		st.dueCompact()
	}
}

// dueCompact drops every stale entry and re-establishes the heap: O(n).
func (st *Store) dueCompact() {
	live := st.due[:0]
	for _, e := range st.due {
		if st.dueLive(e) {
			live = append(live, e)
		}
	}
	clear(st.due[len(live):])
	st.due = live
	st.dueStale = 0
	for i := len(live)/2 - 1; i >= 0; i-- {
		st.dueDown(i)
	}
}

// queueEntry is one queued run, in acquisition order: ScheduledFor, then
// CreatedAt, then ID.
// It carries the first eight id bytes of a UUID id (exact) so that most
// ties on the times are broken without loading the run records.
type queueEntry struct {
	at, created int64
	pre         uint64
	slot        uint32
	exact       bool
}

func (st *Store) queueLess(a, b queueEntry) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.created != b.created {
		return a.created < b.created
	}
	if a.exact && b.exact && a.pre != b.pre {
		return a.pre < b.pre
	}
	ra, rb := st.runs.at(a.slot), st.runs.at(b.slot)
	return st.compareIDs(ra.id, ra.flags&rIDName != 0, rb.id, rb.flags&rIDName != 0) < 0
}

func (st *Store) queuePush(slot uint32) {
	r := st.runs.at(slot)
	e := queueEntry{at: r.scheduledFor, created: r.created, slot: slot, exact: r.flags&rIDName == 0}
	if e.exact {
		e.pre = idPrefix(r.id)
	}
	st.queued = append(st.queued, e)
	q := st.queued
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !st.queueLess(e, q[p]) {
			break
		}
		q[i] = q[p]
		i = p
	}
	q[i] = e
}

func (st *Store) queuePop() uint32 {
	q := st.queued
	top := q[0].slot
	n := len(q) - 1
	e := q[n]
	q = q[:n]
	st.queued = q
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && st.queueLess(q[r], q[c]) {
			c = r
		}
		if !st.queueLess(q[c], e) {
			break
		}
		q[i] = q[c]
		i = c
	}
	q[i] = e
	return top
}
