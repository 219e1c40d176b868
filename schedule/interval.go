package schedule

import (
	"math/bits"
	"strings"
	"time"
)

var monthLong = [...]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// monthLengths lists the lengths month m can have.
func monthLengths(m int) []int {
	switch m {
	case 2:
		return []int{28, 29}
	case 4, 6, 9, 11:
		return []int{30}
	}
	return []int{31}
}

// checkFires rejects schedules whose day rules match no day of any selected
// month. Every (month, first weekday, month length) combination occurs in
// the Gregorian calendar, so a schedule fires iff one of its masks is
// non-empty.
func (s *Schedule) checkFires(p *parser, fs *fields) error {
	for m := 1; m <= 12; m++ {
		if s.month&(1<<m) == 0 {
			continue
		}
		for _, n := range monthLengths(m) {
			for w := range 7 {
				if s.days[w][n-28] != 0 {
					return nil
				}
			}
		}
	}
	var months []string
	for m := 1; m <= 12; m++ {
		if s.month&(1<<m) != 0 {
			months = append(months, monthLong[m])
		}
	}
	monthList := joinOr(months, "and")
	have := "has"
	if len(months) > 1 {
		have = "have"
	}
	plainDays := fs.domW == 0 && !fs.domL && !fs.star[fDom]
	if plainDays && fs.star[fDow] && fs.set[fDow] == 0x7f {
		days := string(appendSet(nil, fs.set[fDom]))
		var msg string
		if bits.OnesCount64(fs.set[fDom]) == 1 {
			msg = monthList + " " + have + " no " + ordinal(bits.TrailingZeros64(fs.set[fDom]))
		} else {
			msg = monthList + " " + have + " no day " + days
		}
		return p.errf(fDom, fs.text[fDom], ErrNeverFires, msg)
	}
	return p.errf(fDom, fs.text[fDom], ErrNeverFires,
		"never matches a day in "+joinOr(months, "or")+" together with day-of-week "+quote(fs.text[fDow]))
}

func joinOr(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return itoa(n) + suffix
}

// yearInfo summarises the fire days of one kind of year.
type yearInfo struct {
	any         bool
	first, last int // day-of-year (0-based) of the first and last fire day
	minGap      int // smallest gap between consecutive fire days within the year, or 0
}

// yearDays computes the fire days of a year whose 1 January is weekday w.
func (s *Schedule) yearDays(w int, leap bool) yearInfo {
	var yi yearInfo
	prev := -1
	doy := 0
	for m := 1; m <= 12; m++ {
		n := 31
		switch m {
		case 2:
			n = 28
			if leap {
				n = 29
			}
		case 4, 6, 9, 11:
			n = 30
		}
		if s.month&(1<<m) != 0 {
			for mask := s.days[(w+doy)%7][n-28]; mask != 0; mask &= mask - 1 {
				d := doy + bits.TrailingZeros32(mask) - 1
				if prev >= 0 {
					if g := d - prev; yi.minGap == 0 || g < yi.minGap {
						yi.minGap = g
					}
				} else {
					yi.first = d
				}
				prev = d
			}
		}
		doy += n
	}
	if prev >= 0 {
		yi.any, yi.last = true, prev
	}
	return yi
}

// MinInterval returns the smallest gap between two consecutive fire times,
// measured on the wall clock of the schedule's zone: that is, the exact
// smallest gap over all time in UTC or any zone without DST. It is
// computed analytically from the compiled fields: the smallest gap between
// two fire times on one day, and the smallest gap between consecutive fire
// days (found over one whole 400-year Gregorian cycle, after which the
// calendar repeats) minus the span of the fire times within a day.
//
// In a zone with DST the real elapsed time between two fires can differ
// from their wall-clock gap by up to the size of the DST shift, in either
// direction: "59 1,2 * * *" in New York fires at 01:59 EST and, because
// 02:59 does not exist on the spring-forward day, again at 03:00 EDT, one
// minute later; a wildcard schedule fires in both passes of a fall-back
// overlap. Callers that enforce a minimum cadence on real elapsed time
// should allow for the zone's largest shift (usually an hour).
func (s *Schedule) MinInterval() time.Duration {
	// Times of day, in minutes.
	firstT := bits.TrailingZeros64(s.hour)*60 + bits.TrailingZeros64(s.minute)
	lastT := (63-bits.LeadingZeros64(s.hour))*60 + 63 - bits.LeadingZeros64(s.minute)
	best := int64(-1)
	// Within a day: the smallest gap between consecutive minutes within an
	// hour, or between the last minute of one fire hour and the first of
	// the next.
	if g := minGap64(s.minute); g > 0 {
		best = int64(g)
	}
	if g := minGap64(s.hour); g > 0 {
		span := (63 - bits.LeadingZeros64(s.minute)) - bits.TrailingZeros64(s.minute)
		if v := int64(g*60 - span); best < 0 || v < best {
			best = v
		}
	}
	// Consecutive fire days are at least one day apart, so the gap across
	// midnight is at least a day minus the span of the fire times; skip
	// the calendar walk when that cannot beat the gap within a day.
	if best >= 0 && best <= minutesPerDay-int64(lastT-firstT) {
		return time.Duration(best) * time.Minute
	}
	dayGap := s.minDayGap()
	if v := dayGap*minutesPerDay - int64(lastT-firstT); best < 0 || v < best {
		best = v
	}
	return time.Duration(best) * time.Minute
}

// minGap64 returns the smallest distance between two set bits, or 0 if
// fewer than two are set.
func minGap64(set uint64) int {
	if set&(set-1) == 0 {
		return 0
	}
	// The smallest g for which some bit b and b+g are both set.
	g := 1
	for set&(set>>uint(g)) == 0 {
		g++
	}
	return g
}

// minDayGap returns the smallest number of days between two consecutive
// fire days over all time.
func (s *Schedule) minDayGap() int64 {
	var kinds [14]yearInfo
	var known [14]bool
	best := int64(-1)
	// Walk one 400-year cycle starting in 2000 (1 January 2000 was a
	// Saturday), then wrap to the first fire day of the next cycle.
	w := 6
	lastFire := int64(-1) // day number within the cycle
	firstFire := int64(-1)
	dayNum := int64(0)
	for y := 2000; y < 2400; y++ {
		leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
		k := w * 2
		if leap {
			k++
		}
		if !known[k] {
			yi := s.yearDays(w, leap)
			kinds[k], known[k] = yi, true
			if yi.minGap > 0 && (best < 0 || int64(yi.minGap) < best) {
				best = int64(yi.minGap)
				if best == 1 {
					return 1
				}
			}
		}
		yi := &kinds[k]
		if yi.any {
			if lastFire >= 0 {
				if g := dayNum + int64(yi.first) - lastFire; best < 0 || g < best {
					best = g
				}
			} else {
				firstFire = dayNum + int64(yi.first)
			}
			lastFire = dayNum + int64(yi.last)
		}
		n := 365
		if leap {
			n = 366
		}
		dayNum += int64(n)
		w = (w + n) % 7
	}
	if g := firstFire + daysPer400Years - lastFire; best < 0 || g < best {
		best = g
	}
	return best
}
