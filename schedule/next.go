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
)

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// nextBit returns the lowest set bit of set at or above from, or 64.
func nextBit(set uint64, from int) int {
	return bits.TrailingZeros64(set >> uint(from) << uint(from))
}

// prevBit returns the highest set bit of set at or below from, or -1.
func prevBit(set uint64, from int) int {
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

// nextCivil returns the first matching civil minute c with lo <= c < limit.
func (s *Schedule) nextCivil(lo, limit int64) (int64, bool) {
	day := floorDiv(lo, minutesPerDay)
	rem := int(lo - day*minutesPerDay)
	h, mi := rem/60, rem%60
	y, m, d := civilFromDays(day)
	monthStart := day - d + 1
	endYear := y + searchYears
	for y <= endYear {
		if mb := int64(nextBit(s.month, int(m))); mb != m {
			if mb > 12 {
				y++
				mb = int64(bits.TrailingZeros64(s.month))
			}
			m, d, h, mi = mb, 1, 0, 0
			monthStart = daysFromCivil(y, m, 1)
		}
		if monthStart*minutesPerDay >= limit {
			return 0, false
		}
		n := daysIn(y, m)
		mask := s.days[weekdayOf(monthStart)][n-28] >> uint(d) << uint(d)
		if mask != 0 {
			dd := int64(bits.TrailingZeros32(mask))
			hh, mm, ok := 0, 0, false
			if dd == d {
				hh, mm, ok = s.nextTime(h, mi)
				if !ok {
					mask &= mask - 1
					dd = int64(bits.TrailingZeros32(mask))
				}
			}
			if mask != 0 {
				if !ok {
					hh, mm = bits.TrailingZeros64(s.hour), bits.TrailingZeros64(s.minute)
				}
				c := (monthStart+dd-1)*minutesPerDay + int64(hh*60+mm)
				if c >= limit {
					return 0, false
				}
				return c, true
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

// prevCivil returns the last matching civil minute c with limit <= c <= hi.
func (s *Schedule) prevCivil(hi, limit int64) (int64, bool) {
	day := floorDiv(hi, minutesPerDay)
	rem := int(hi - day*minutesPerDay)
	h, mi := rem/60, rem%60
	y, m, d := civilFromDays(day)
	endYear := y - searchYears
	for y >= endYear {
		if mb := int64(prevBit(s.month, int(m))); mb != m {
			if mb < 1 {
				y--
				mb = int64(63 - bits.LeadingZeros64(s.month))
			}
			m = mb
			d, h, mi = int64(daysIn(y, m)), 23, 59
		}
		monthStart := daysFromCivil(y, m, 1)
		monthEnd := monthStart + int64(daysIn(y, m)) // exclusive
		if monthEnd*minutesPerDay <= limit {
			return 0, false
		}
		mask := s.days[weekdayOf(monthStart)][daysIn(y, m)-28] & (2<<uint(d) - 1)
		if mask != 0 {
			dd := int64(31 - bits.LeadingZeros32(mask))
			hh, mm, ok := 0, 0, false
			if dd == d {
				hh, mm, ok = s.prevTime(h, mi)
				if !ok {
					mask &^= 1 << uint(dd)
					dd = int64(31 - bits.LeadingZeros32(mask))
				}
			}
			if mask != 0 {
				if !ok {
					hh, mm = 63-bits.LeadingZeros64(s.hour), 63-bits.LeadingZeros64(s.minute)
				}
				c := (monthStart+dd-1)*minutesPerDay + int64(hh*60+mm)
				if c < limit {
					return 0, false
				}
				return c, true
			}
		}
		m--
		if m < 1 {
			y, m = y-1, 12
		}
		d, h, mi = int64(daysIn(y, m)), 23, 59
	}
	return 0, false
}

// Next returns the first fire instant strictly after t, in the schedule's
// location, or the zero time if the schedule never fires again. See the
// package documentation for how DST transitions are handled.
func (s *Schedule) Next(t time.Time) time.Time {
	sec := t.Unix()
	if s.zone == nil {
		off := s.fixedOff
		c, ok := s.nextCivil(floorDiv(sec+off, 60)+1, maxSec)
		if !ok {
			return time.Time{}
		}
		return time.Unix(c*60-off, 0).In(s.loc)
	}
	p := s.zone.lookup(sec)
	lo := floorDiv(sec+p.off, 60) + 1
	for range maxPeriods {
		l := lo
		if !s.wildcard && p.prevOff > p.off {
			// Second pass of a fall-back overlap: fixed-time schedules
			// fired at the first occurrence of these wall-clock times.
			if hw := ceilDiv(p.start+p.prevOff, 60); l < hw {
				l = hw
			}
		}
		limit := int64(maxSec)
		if p.end != maxSec {
			limit = ceilDiv(p.end+p.off, 60)
		}
		if c, ok := s.nextCivil(l, limit); ok {
			return time.Unix(c*60-p.off, 0).In(s.loc)
		}
		if p.end == maxSec {
			return time.Time{}
		}
		np := s.zone.lookup(p.end)
		if !s.wildcard && np.off > p.off {
			// Spring-forward gap: fixed-time fire times that do not exist
			// happen once, at the first instant after the gap.
			if _, ok := s.nextCivil(limit, ceilDiv(p.end+np.off, 60)); ok {
				return time.Unix(p.end, 0).In(s.loc)
			}
		}
		lo = ceilDiv(p.end+np.off, 60)
		p = np
	}
	return time.Time{}
}

// Prev returns the last fire instant strictly before t, in the schedule's
// location, or the zero time if there is none. It is the mirror image of
// [Schedule.Next]: for any fire instant f, Prev(Next(f)) == f.
func (s *Schedule) Prev(t time.Time) time.Time {
	sec := t.Unix()
	exact := t.Nanosecond() == 0
	if s.zone == nil {
		off := s.fixedOff
		civ := sec + off
		hi := floorDiv(civ, 60)
		if exact && hi*60 == civ {
			hi--
		}
		c, ok := s.prevCivil(hi, minSec)
		if !ok {
			return time.Time{}
		}
		return time.Unix(c*60-off, 0).In(s.loc)
	}
	p := s.zone.lookup(sec)
	civ := sec + p.off
	hi := floorDiv(civ, 60)
	if exact && hi*60 == civ {
		hi--
	}
	for range maxPeriods {
		low := int64(minSec)
		if p.start != minSec {
			low = ceilDiv(p.start+p.off, 60)
			if !s.wildcard && p.prevOff > p.off {
				low = max(low, ceilDiv(p.start+p.prevOff, 60))
			}
		}
		if c, ok := s.prevCivil(hi, low); ok {
			return time.Unix(c*60-p.off, 0).In(s.loc)
		}
		if p.start == minSec {
			return time.Time{}
		}
		pp := s.zone.lookup(p.start - 1)
		if !s.wildcard && p.off > pp.off && (p.start < sec || !exact) {
			if _, ok := s.nextCivil(ceilDiv(p.start+pp.off, 60), ceilDiv(p.start+p.off, 60)); ok {
				return time.Unix(p.start, 0).In(s.loc)
			}
		}
		hi = ceilDiv(p.start+pp.off, 60) - 1
		p = pp
	}
	return time.Time{}
}
