package schedule

import (
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
	"weak"
)

const (
	minSec = math.MinInt64 / 4 // "no transition before": far beyond any time.Time
	maxSec = math.MaxInt64 / 4 // "no transition after"
)

// period is a stretch of time with one UTC offset, [start, end) in Unix
// seconds. prevOff is the offset in force just before start (equal to off
// when start is minSec).
type period struct {
	off, prevOff int64
	start, end   int64
}

// The zone table caches a location's transitions between tableFrom and
// tableTo, where the Go runtime would otherwise re-derive them from the
// zone's POSIX TZ rule on every lookup. Instants outside fall back to
// time.Time.ZoneBounds, which is slower but equally correct.
var (
	tableFrom = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	tableTo   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

const bucketShift = 22 // 2^22 s ≈ 48.5 days per index bucket

// zoneTable holds the offset changes of one location.
type zoneTable struct {
	loc      *time.Location
	trans    []int64 // instants at which the offset changes, ascending
	offs     []int64 // offs[i] is in force before trans[i]; offs[len(trans)] after the last
	index    []int32 // index[b]: number of transitions at or before the start of bucket b
	complete bool    // no offset change after the last entry of trans
	minOff   int64   // smallest offset in offs
	maxOff   int64   // largest offset in offs
}

// Zone tables are cached at two levels. time.LoadLocation returns a new
// *time.Location on every call, so caching by pointer alone would build
// (and keep) one table per call. byPointer maps each location, through a
// weak pointer that is deleted when the location is collected, to its
// table; byName shares one table among all locations with the same name
// whose offsets agree with it at every cached transition.
var (
	byPointer sync.Map // weak.Pointer[time.Location] -> *zoneTable (nil: fixed offset)
	byName    sync.Map // string -> *zoneTable
)

// setLocation binds s to loc (nil means UTC), choosing the fixed-offset fast
// path when loc never changes its offset.
func (s *Schedule) setLocation(loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	s.loc = loc
	if loc != time.UTC {
		s.zone = tableFor(loc)
	}
	if s.zone == nil {
		s.fixedOff = offsetAt(loc, 0)
	}
}

// tableFor returns the cached zone table of loc, building it on first use.
func tableFor(loc *time.Location) *zoneTable {
	key := weak.Make(loc)
	if v, ok := byPointer.Load(key); ok {
		return v.(*zoneTable)
	}
	zt := sharedTable(loc)
	if _, loaded := byPointer.LoadOrStore(key, zt); !loaded {
		runtime.AddCleanup(loc, func(k weak.Pointer[time.Location]) { byPointer.Delete(k) }, key)
	}
	return zt
}

// sharedTable returns the table of another location with loc's name if it
// agrees with loc, or builds a new one.
func sharedTable(loc *time.Location) *zoneTable {
	name := loc.String()
	if v, ok := byName.Load(name); ok {
		if zt := v.(*zoneTable); zt.agrees(loc) {
			return zt
		}
	}
	zt := buildZoneTable(loc)
	if zt != nil {
		byName.LoadOrStore(name, zt)
	}
	return zt
}

// agrees reports whether loc has the offsets zt recorded at the start of
// the table and after every cached transition. (It cannot prove that loc
// has no extra transitions; two different zones with one name in one
// process would have to differ only between transitions to fool it.)
func (zt *zoneTable) agrees(loc *time.Location) bool {
	if offsetAt(loc, tableFrom) != zt.lookup(tableFrom).off {
		return false
	}
	for i, tr := range zt.trans {
		if offsetAt(loc, tr) != zt.offs[i+1] {
			return false
		}
	}
	return true
}

// slowPeriod asks the time package for the period containing sec.
//
// time.Time.ZoneBounds is used only as a hint: it may report boundaries
// at which the offset does not change (a change of abbreviation or DST
// flag, or an artificial year boundary in the POSIX-rule range), and in
// Go 1.26 it reports an end before the instant itself for instants on the
// last UTC day of leap years in that range (golang/go#81583). So every
// bound is checked against the offsets on either side, and spurious ones
// are skipped.
func slowPeriod(loc *time.Location, sec int64) period {
	off := offsetAt(loc, sec)
	p := period{off: off, prevOff: off, start: minSec, end: maxSec}

	probe := sec
	for range 64 {
		_, e := time.Unix(probe, 0).In(loc).ZoneBounds()
		if e.IsZero() {
			break
		}
		eu := e.Unix()
		if eu <= probe {
			// Bogus bound: step forward an hour at a time and bisect if
			// the offset changed in between.
			next := probe + 3600
			if offsetAt(loc, next) != off {
				p.end = bisect(loc, probe, next, off)
				break
			}
			probe = next
			continue
		}
		if offsetAt(loc, eu) != off {
			p.end = eu
			break
		}
		probe = eu
	}

	probe = sec
	for range 64 {
		s, _ := time.Unix(probe, 0).In(loc).ZoneBounds()
		if s.IsZero() {
			break
		}
		su := s.Unix()
		if su > probe {
			prev := probe - 3600
			if po := offsetAt(loc, prev); po != off {
				p.start = bisect(loc, prev, probe, po)
				p.prevOff = po
				break
			}
			probe = prev
			continue
		}
		if po := offsetAt(loc, su-1); po != off {
			p.start, p.prevOff = su, po
			break
		}
		probe = su - 1
	}
	return p
}

// bisect returns the first instant in (lo, hi] whose offset differs from
// off, given that lo has offset off and hi does not.
func bisect(loc *time.Location, lo, hi, off int64) int64 {
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if offsetAt(loc, mid) == off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func offsetAt(loc *time.Location, sec int64) int64 {
	_, off := time.Unix(sec, 0).In(loc).Zone()
	return int64(off)
}

// buildZoneTable walks loc's offset changes from before tableFrom to
// tableTo; it returns nil when loc has a single offset for all time.
// Transitions that change only the abbreviation or the DST flag are merged
// away: the scheduler cares only about offsets.
func buildZoneTable(loc *time.Location) *zoneTable {
	p := slowPeriod(loc, tableFrom)
	start, prevOff := p.start, p.prevOff
	for start != minSec && prevOff == p.off {
		q := slowPeriod(loc, start-1)
		start, prevOff = q.start, q.prevOff
	}
	if start == minSec && p.end == maxSec {
		return nil
	}
	zt := &zoneTable{loc: loc}
	if start != minSec {
		zt.trans = append(zt.trans, start)
		zt.offs = append(zt.offs, prevOff)
	}
	cur := p
	for cur.end != maxSec && cur.start < tableTo {
		next := slowPeriod(loc, cur.end)
		if next.off != cur.off {
			zt.trans = append(zt.trans, cur.end)
			zt.offs = append(zt.offs, cur.off)
		}
		cur = next
	}
	zt.offs = append(zt.offs, cur.off)
	zt.complete = cur.end == maxSec
	zt.minOff, zt.maxOff = zt.offs[0], zt.offs[0]
	for _, o := range zt.offs {
		zt.minOff, zt.maxOff = min(zt.minOff, o), max(zt.maxOff, o)
	}
	if len(zt.trans) == 0 {
		return nil
	}
	nb := (tableTo-tableFrom)>>bucketShift + 1
	zt.index = make([]int32, nb)
	for b := range zt.index {
		at := tableFrom + int64(b)<<bucketShift
		zt.index[b] = int32(sort.Search(len(zt.trans), func(i int) bool { return zt.trans[i] > at }))
	}
	return zt
}

// lookup returns the period containing sec.
func (zt *zoneTable) lookup(sec int64) period {
	if sec < tableFrom || sec >= tableTo {
		return slowPeriod(zt.loc, sec)
	}
	i := int(zt.index[(sec-tableFrom)>>bucketShift])
	for i < len(zt.trans) && zt.trans[i] <= sec {
		i++
	}
	// Exactly i offset changes happen at or before sec.
	if i == len(zt.trans) && !zt.complete {
		return slowPeriod(zt.loc, sec)
	}
	p := period{off: zt.offs[i], prevOff: zt.offs[i], start: minSec, end: maxSec}
	if i > 0 {
		p.start = zt.trans[i-1]
		p.prevOff = zt.offs[i-1]
	}
	if i < len(zt.trans) {
		p.end = zt.trans[i]
	}
	return p
}
