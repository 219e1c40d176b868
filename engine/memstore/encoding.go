package memstore

import (
	"bytes"
	"crypto/sha256"
	"math"
	"strings"
	"time"
)

// key is the compact form of an id. A canonical (lower-case, hyphenated)
// non-nil UUID is stored as its 16 bytes; the empty string is the zero key;
// any other string is stored as the first 16 bytes of its SHA-256, with the
// string itself kept in Store.names (the owning record carries a flag saying
// so, because any 16 bytes are also a valid UUID).
type key [16]byte

const hexDigits = "0123456789abcdef"

// parseUUID parses the canonical text form of a non-nil UUID, the only form
// that formatUUID gives back unchanged.
func parseUUID(s string) (key, bool) {
	var k key
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return k, false
	}
	var bad byte // collects the high bits: hexValue is 0xff for a non-digit
	for j, i := range uuidHexAt {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		bad |= hi | lo
		k[j] = hi<<4 | lo
	}
	if bad&0xf0 != 0 || k == (key{}) {
		return key{}, false
	}
	return k, true
}

// uuidHexAt is where each byte's two digits start in a canonical UUID.
var uuidHexAt = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexValue maps a lower-case hex digit to its value and any other byte to
// 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

func formatUUID(k key) string {
	var b [36]byte
	putUUID(b[:], k)
	return string(b[:])
}

// putUUID writes the canonical text of k into b[:36].
func putUUID(b []byte, k key) {
	b = b[:36]
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	for j, i := range uuidHexAt {
		b[i], b[i+1] = hexDigits[k[j]>>4], hexDigits[k[j]&15]
	}
}

func nameKey(s string) key {
	sum := sha256.Sum256([]byte(s))
	return key(sum[:16])
}

// encode returns the key of id and whether it is a name (not a UUID).
func encode(id string) (key, bool) {
	if id == "" {
		return key{}, false
	}
	if k, ok := parseUUID(id); ok {
		return k, false
	}
	return nameKey(id), true
}

// register encodes id for storing, remembering it if it is a name. Names
// are never forgotten: only ids that are not UUIDs cost this.
func (st *Store) register(id string) (key, bool) {
	k, name := encode(id)
	if name {
		if _, ok := st.names[k]; !ok {
			st.names[k] = strings.Clone(id)
		}
	}
	return k, name
}

// decode is the inverse of register.
func (st *Store) decode(k key, name bool) string {
	switch {
	case name:
		return st.names[k]
	case k == key{}:
		return ""
	}
	return formatUUID(k)
}

// storedID is an id as a record holds it, for decodeIDs.
type storedID struct {
	k    key
	name bool
}

// decodeIDs is decode for up to three ids at once: the texts of those that
// are UUIDs share one allocation.
func (st *Store) decodeIDs(ids [3]storedID, n int) (out [3]string) {
	var buf [3 * 36]byte
	m := 0
	for _, id := range ids[:n] {
		if !id.name && id.k != (key{}) {
			putUUID(buf[m*36:], id.k)
			m++
		}
	}
	text := string(buf[:m*36])
	m = 0
	for i, id := range ids[:n] {
		switch {
		case id.name:
			out[i] = st.names[id.k]
		case id.k == key{}:
			out[i] = ""
		default:
			out[i] = text[m*36 : (m+1)*36]
			m++
		}
	}
	return out
}

// compareIDs orders two stored ids as their strings order.
func (st *Store) compareIDs(a key, aName bool, b key, bName bool) int {
	if !aName && !bName {
		// Canonical UUID text sorts like its bytes, and "" (the zero key)
		// sorts first either way.
		return bytes.Compare(a[:], b[:])
	}
	return strings.Compare(st.decode(a, aName), st.decode(b, bName))
}

// noTime stands for the zero time.Time (math.MinInt64 is not a
// representable microsecond count of any time the engine uses).
const noTime = math.MinInt64

func micros(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == noTime {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// interner stores each distinct string once, with a reference count, and
// hands out uint32 handles. Handle 0 is "" and the predeclared handles below
// are permanent.
type interner struct {
	strs []string
	refs []uint32
	idx  map[string]uint32
	free []uint32
}

// Permanent handles: the values the store branches on, and the other
// values every store repeats (outcomes, skip reasons).
const (
	hEmpty uint32 = iota
	hQueued
	hInProgress
	hCompleted
	hFailed
	hDispatched
	hSkipped
	hOverlap
	hMinCadence
	hPaused
	hMissed
)

// permanentStrings are the strings of the permanent handles, in order.
var permanentStrings = []string{"", "queued", "in_progress", "completed", "failed", "dispatched", "skipped", "overlap", "min_cadence", "paused", "missed"}

// known returns the permanent handle of s, without a map lookup.
func known(s string) (uint32, bool) {
	switch s {
	case "":
		return hEmpty, true
	case "queued":
		return hQueued, true
	case "in_progress":
		return hInProgress, true
	case "completed":
		return hCompleted, true
	case "failed":
		return hFailed, true
	case "dispatched":
		return hDispatched, true
	case "skipped":
		return hSkipped, true
	case "overlap":
		return hOverlap, true
	case "min_cadence":
		return hMinCadence, true
	case "paused":
		return hPaused, true
	case "missed":
		return hMissed, true
	}
	return 0, false
}

const permanentRefs = math.MaxUint32

func newInterner(permanent ...string) interner {
	in := interner{idx: make(map[string]uint32)}
	for _, s := range permanent {
		in.idx[s] = uint32(len(in.strs))
		in.strs = append(in.strs, s)
		in.refs = append(in.refs, permanentRefs)
	}
	return in
}

// add returns the handle of s, taking a reference.
func (in *interner) add(s string) uint32 {
	if h, ok := known(s); ok {
		return h
	}
	if h, ok := in.idx[s]; ok {
		if in.refs[h] != permanentRefs {
			in.refs[h]++
		}
		return h
	}
	s = strings.Clone(s)
	var h uint32
	if n := len(in.free); n > 0 {
		h = in.free[n-1]
		in.free = in.free[:n-1]
		in.strs[h], in.refs[h] = s, 1
	} else {
		h = uint32(len(in.strs))
		in.strs = append(in.strs, s)
		in.refs = append(in.refs, 1)
	}
	in.idx[s] = h
	return h
}

// addLike is add with a guess: when s is the string of handle h (for
// example a run's bundle copied from its schedule) no lookup is needed.
func (in *interner) addLike(s string, h uint32) uint32 {
	if in.strs[h] == s {
		if in.refs[h] != permanentRefs {
			in.refs[h]++
		}
		return h
	}
	return in.add(s)
}

// replace takes a reference to s and drops the one held through *h.
func (in *interner) replace(h *uint32, s string) {
	n := in.add(s)
	in.release(*h)
	*h = n
}

// release drops a reference taken by add.
func (in *interner) release(h uint32) {
	if in.refs[h] == permanentRefs {
		return
	}
	if in.refs[h]--; in.refs[h] == 0 {
		delete(in.idx, in.strs[h])
		in.strs[h] = ""
		in.free = append(in.free, h)
	}
}

// lookup returns the handle of s without taking a reference.
func (in *interner) lookup(s string) (uint32, bool) {
	h, ok := in.idx[s]
	return h, ok
}

func (in *interner) get(h uint32) string { return in.strs[h] }

// slab is a growable array of T in fixed-size chunks: no copying on growth,
// no over-allocation beyond one chunk, stable addresses.
type slab[T any] struct {
	chunks []*[slabChunk]T
	n      uint32
}

const (
	slabBits  = 10
	slabChunk = 1 << slabBits
)

func (s *slab[T]) at(i uint32) *T { return &s.chunks[i>>slabBits][i&(slabChunk-1)] }

// grow appends a zero element and returns its index.
func (s *slab[T]) grow() uint32 {
	i := s.n
	if int(i>>slabBits) == len(s.chunks) {
		s.chunks = append(s.chunks, new([slabChunk]T))
	}
	s.n++
	return i
}
