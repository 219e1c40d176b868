package schedule

import (
	"math/bits"
	"time"
)

// Civil times are handled as "civil minutes": minutes since 1970-01-01
// 00:00 on the wall clock of the schedule's zone, ignoring offsets. The
// calendar search works entirely on these integers; offsets are applied
// once, when a civil minute is turned back into an instant.

const (
	minutesPerDay = 1440
	// searchYears bounds the calendar search. Every day pattern that can
	// match at all matches at least once in any 400-year Gregorian cycle,
	// so this only ends searches for wildcard schedules that fall into a
	// DST gap every time and so never fire.
	searchYears = 401
	maxPeriods  = 2 * searchYears

	// jumpMargin keeps the period walk in Next and Prev at least a day
	// away from the fire time it skips towards.
	jumpMargin = 86400
)

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// nextBit returns the lowest set bit of set at or above from, or 64.
func nextBit(set uint64, from int) int {
	return bits.TrailingZeros64(set >> uint(from) << uint(from))
}

// prevBit returns the highest set bit of set at or below from, or -1.
func prevBit(set uint64, from int) int {
	if from < 0 {
		return -1
	}
	return 63 - bits.LeadingZeros64(set&(2<<uint(from)-1))
}

// nextTime returns the first matching time of day at or after h:m.
func (s *Schedule) nextTime(h, m int) (int, int, bool) {
	hh := nextBit(s.hour, h)
	if hh == h {
		if mm := nextBit(s.minute, m); mm < 60 {
			return hh, mm, true
		}
		hh = nextBit(s.hour, h+1)
	}
	if hh >= 24 {
		return 0, 0, false
	}
	return hh, bits.TrailingZeros64(s.minute), true
}

// prevTime returns the last matching time of day at or before h:m.
func (s *Schedule) prevTime(h, m int) (int, int, bool) {
	hh := prevBit(s.hour, h)
	if hh == h {
		if mm := prevBit(s.minute, m); mm >= 0 {
			return hh, mm, true
		}
		hh = prevBit(s.hour, h-1)
	}
	if hh < 0 {
		return 0, 0, false
	}
	return hh, 63 - bits.LeadingZeros64(s.minute), true
}

// nextCivil returns the first matching civil minute at or after lo. It
// fails only if nothing matches within searchYears.
func (s *Schedule) nextCivil(lo int64) (int64, bool) {
	day := floorDiv(lo, minutesPerDay)
	rem := int(lo - day*minutesPerDay)
	h, mi := rem/60, rem%60
	y, m, d := civilFromDays(day)
	monthStart := day - d + 1
	for endYear := y + searchYears; y <= endYear; {
		if mb := int64(nextBit(s.month, int(m))); mb != m {
			if mb > 12 {
				y++
				mb = int64(bits.TrailingZeros64(s.month))
			}
			m, d, h, mi = mb, 1, 0, 0
			monthStart = daysFromCivil(y, m, 1)
		}
		n := daysIn(y, m)
		if mask := s.days[weekdayOf(monthStart)][n-28] >> uint(d) << uint(d); mask != 0 {
			dd := int64(bits.TrailingZeros32(mask))
			if dd == d {
				if hh, mm, ok := s.nextTime(h, mi); ok {
					return (monthStart+dd-1)*minutesPerDay + int64(hh*60+mm), true
				}
				mask &= mask - 1
				dd = int64(bits.TrailingZeros32(mask))
			}
			if mask != 0 {
				return (monthStart+dd-1)*minutesPerDay + s.firstTime, true
			}
		}
		monthStart += int64(n)
		m, d, h, mi = m+1, 1, 0, 0
		if m > 12 {
			y, m = y+1, 1
		}
	}
	return 0, false
}

// prevCivil returns the last matching civil minute at or before hi. It
// fails only if nothing matches within searchYears.
func (s *Schedule) prevCivil(hi int64) (int64, bool) {
	day := floorDiv(hi, minutesPerDay)
	rem := int(hi - day*minutesPerDay)
	h, mi := rem/60, rem%60
	y, m, d := civilFromDays(day)
	monthStart := day - d + 1
	for endYear := y - searchYears; y >= endYear; {
		if mb := int64(prevBit(s.month, int(m))); mb != m {
			if mb < 1 {
				y--
				mb = int64(63 - bits.LeadingZeros64(s.month))
			}
			m = mb
			monthStart = daysFromCivil(y, m, 1)
			d, h, mi = int64(daysIn(y, m)), 23, 59
		}
		n := daysIn(y, m)
		if mask := s.days[weekdayOf(monthStart)][n-28] & (2<<uint(d) - 1); mask != 0 {
			dd := int64(31 - bits.LeadingZeros32(mask))
			if dd == d {
				if hh, mm, ok := s.prevTime(h, mi); ok {
					return (monthStart+dd-1)*minutesPerDay + int64(hh*60+mm), true
				}
				mask &^= 1 << uint(dd)
				dd = int64(31 - bits.LeadingZeros32(mask))
			}
			if mask != 0 {
				return (monthStart+dd-1)*minutesPerDay + s.lastTime, true
			}
		}
		m--
		if m < 1 {
			y, m = y-1, 12
		}
		n = daysIn(y, m)
		monthStart -= int64(n)
		d, h, mi = int64(n), 23, 59
	}
	return 0, false
}

// at converts a civil minute with offset off to an instant in s.loc.
func (s *Schedule) at(c, off int64) time.Time {
	return time.Unix(c*60-off, 0).In(s.loc)
}

// Next returns the first fire instant strictly after t, in the schedule's
// location, or the zero time if the schedule never fires again. See the
// package documentation for how DST transitions are handled.
func (s *Schedule) Next(t time.Time) time.Time { return s.next(t, true) }

// next implements Next; jump enables skipping periods of constant offset
// that cannot hold a fire time (tests compare both paths).
func (s *Schedule) next(t time.Time, jump bool) time.Time {
	sec := t.Unix()
	if s.zone == nil {
		c, ok := s.nextCivil(floorDiv(sec+s.fixedOff, 60) + 1)
		if !ok {
			return time.Time{}
		}
		return s.at(c, s.fixedOff)
	}
	// Walk the zone's periods of constant offset from the one holding t.
	// c caches the first matching civil minute at or after cl; it stays
	// valid while the search bound moves forward without passing it.
	p := s.zone.lookup(sec)
	lo := floorDiv(sec+p.off, 60) + 1
	var c, cl int64
	valid := false
	for range maxPeriods {
		l := lo
		if !s.wildcard && p.prevOff > p.off {
			// Second pass of a fall-back overlap: fixed-time schedules
			// fired at the first occurrence of these wall-clock times.
			l = max(l, ceilDiv(p.start+p.prevOff, 60))
		}
		if !valid || l < cl || l > c {
			var ok bool
			if c, ok = s.nextCivil(l); !ok {
				return time.Time{}
			}
			cl, valid = l, true
		}
		if p.end == maxSec {
			return s.at(c, p.off)
		}
		limit := ceilDiv(p.end+p.off, 60) // first civil minute at or after p.end
		if c < limit {
			return s.at(c, p.off)
		}
		if y := c*60 - s.zone.maxOff - jumpMargin; jump && y > p.end && y < tableTo &&
			p.end >= tableFrom && p.end+s.zone.minOff >= cl*60 {
			// c is far ahead. Every wall-clock minute shown between p.end
			// and y lies in [cl, c), where nothing matches, so no fire
			// (normal, gap or overlap) happens before y: resume from y.
			p = s.zone.lookup(y)
			lo = floorDiv(y+p.off, 60) + 1
			continue
		}
		np := s.zone.lookup(p.end)
		lo = ceilDiv(p.end+np.off, 60)
		if !s.wildcard && c < lo {
			// c lies in a spring-forward gap: fixed-time fire times that
			// do not exist happen once, at the first instant after it.
			return time.Unix(p.end, 0).In(s.loc)
		}
		p = np
	}
	return time.Time{}
}

// Prev returns the last fire instant strictly before t, in the schedule's
// location, or the zero time if there is none. It mirrors [Schedule.Next]:
// for every fire instant f, Prev(Next(f)) == f.
func (s *Schedule) Prev(t time.Time) time.Time { return s.prev(t, true) }

// prev implements Prev; see next for jump.
func (s *Schedule) prev(t time.Time, jump bool) time.Time {
	sec := t.Unix()
	exact := t.Nanosecond() == 0
	if s.zone == nil {
		civ := sec + s.fixedOff
		hi := floorDiv(civ, 60)
		if exact && hi*60 == civ {
			hi--
		}
		c, ok := s.prevCivil(hi)
		if !ok {
			return time.Time{}
		}
		return s.at(c, s.fixedOff)
	}
	p := s.zone.lookup(sec)
	civ := sec + p.off
	hi := floorDiv(civ, 60)
	if exact && hi*60 == civ {
		hi--
	}
	// c caches the last matching civil minute at or before ch.
	var c, ch int64
	valid := false
	for range maxPeriods {
		if !valid || hi > ch || hi < c {
			var ok bool
			if c, ok = s.prevCivil(hi); !ok {
				return time.Time{}
			}
			ch, valid = hi, true
		}
		if p.start == minSec {
			return s.at(c, p.off)
		}
		low := ceilDiv(p.start+p.off, 60) // first civil minute at or after p.start
		if !s.wildcard && p.prevOff > p.off {
			low = max(low, ceilDiv(p.start+p.prevOff, 60))
		}
		if c >= low {
			return s.at(c, p.off)
		}
		if y := c*60 - s.zone.minOff + jumpMargin; jump && y < p.start && y >= tableFrom &&
			p.start < tableTo && p.start+s.zone.maxOff <= (ch+1)*60 {
			// c is far behind. Every wall-clock minute shown between y
			// and p.start lies in (c, ch], where nothing matches, so no
			// fire happens between them: resume from y.
			p = s.zone.lookup(y)
			hi = floorDiv(y+p.off, 60)
			continue
		}
		pp := s.zone.lookup(p.start - 1)
		hi = ceilDiv(p.start+pp.off, 60) - 1 // last civil minute before p.start
		if !s.wildcard && c > hi && (p.start < sec || !exact) {
			// c lies in the spring-forward gap just before p: fixed-time
			// fire times there happen at the first instant after the gap.
			return time.Unix(p.start, 0).In(s.loc)
		}
		p = pp
	}
	return time.Time{}
}
