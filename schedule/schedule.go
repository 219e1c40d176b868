package schedule

import (
	"iter"
	"math/bits"
	"strconv"
	"time"
)

// Schedule is a compiled five-field cron expression bound to a time zone.
// It is immutable and safe for concurrent use.
type Schedule struct {
	minute uint64 // bits 0-59
	hour   uint64 // bits 0-23
	month  uint64 // bits 1-12

	firstTime, lastTime int64 // first and last fire time of day, in minutes

	// days[w][n-28] holds the matching days (bits 1-31) of a month that has
	// n days and whose first day is weekday w (0 = Sunday). It folds the
	// day-of-month and day-of-week fields, L, W, nL, n#k and the Vixie
	// OR/AND rule into one lookup.
	days [7][4]uint32

	wildcard bool // minute or hour field starts with '*': see doc.go
	loc      *time.Location
	zone     *zoneTable // nil for UTC and fixed-offset zones
	fixedOff int64      // offset in seconds when zone == nil
	canon    string
}

// Parse compiles a five-field cron expression for the given location
// (nil means UTC). See the package documentation for the accepted dialect.
// Every error it returns is a *[ParseError] wrapping [ErrSyntax],
// [ErrRange], [ErrStep] or [ErrNeverFires].
func Parse(expr string, loc *time.Location) (*Schedule, error) {
	p := parser{expr: expr}
	fs, err := p.parse()
	if err != nil {
		return nil, err
	}
	s := &Schedule{
		minute:   fs.set[fMinute],
		hour:     fs.set[fHour],
		month:    fs.set[fMonth],
		wildcard: fs.star[fMinute] || fs.star[fHour],
	}
	s.firstTime = int64(bits.TrailingZeros64(s.hour)*60 + bits.TrailingZeros64(s.minute))
	s.lastTime = int64((63-bits.LeadingZeros64(s.hour))*60 + 63 - bits.LeadingZeros64(s.minute))
	s.compileDays(&fs)
	if err := s.checkFires(&p, &fs); err != nil {
		return nil, err
	}
	s.canon = canonical(&fs)
	s.setLocation(loc)
	return s, nil
}

// MustParse is like [Parse] but panics if the expression cannot be parsed.
// It simplifies the initialisation of package-level schedules.
func MustParse(expr string, loc *time.Location) *Schedule {
	s, err := Parse(expr, loc)
	if err != nil {
		panic(err)
	}
	return s
}

// String returns the canonical form of the expression: five
// space-separated numeric fields with names, macros and redundant
// elements resolved. Parsing it again yields an identical schedule, and
// gronx accepts it.
func (s *Schedule) String() string { return s.canon }

// Location returns the time zone in which the schedule is evaluated.
// Times returned by [Schedule.Next], [Schedule.Prev] and [Schedule.All]
// are in this location.
func (s *Schedule) Location() *time.Location { return s.loc }

// IsWildcard reports whether the minute or hour field starts with '*'.
// Such schedules follow the wildcard half of the DST policy described in
// the package documentation: they are skipped in a spring-forward gap and
// fire in both passes of a fall-back overlap.
func (s *Schedule) IsWildcard() bool { return s.wildcard }

// All returns the fire instants strictly after t, in increasing order.
// The sequence ends only if the schedule never fires again.
func (s *Schedule) All(t time.Time) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		for {
			t = s.Next(t)
			if t.IsZero() || !yield(t) {
				return
			}
		}
	}
}

// compileDays fills s.days from the day-of-month and day-of-week fields.
func (s *Schedule) compileDays(fs *fields) {
	and := fs.star[fDom] || fs.star[fDow]
	for w := range 7 {
		// Days that are a plain weekday of the day-of-week field, or its
		// k-th such weekday (d#k), in a month starting on weekday w; both
		// only need trimming to the month's length.
		var dowW uint64
		for set := fs.set[fDow]; set != 0; set &= set - 1 {
			x := bits.TrailingZeros64(set)
			dowW |= uint64(weekPattern[mod7[x-w+7]])
		}
		for x, ks := range fs.dowNth {
			first := 1 + int(mod7[x-w+7]) // first day of the month that is weekday x
			for k := ks; k != 0; k &= k - 1 {
				dowW |= 1 << uint(first+7*bits.TrailingZeros8(k))
			}
		}
		for n := 28; n <= 31; n++ {
			valid := uint32(1)<<(n+1) - 2 // bits 1..n
			dom := uint32(fs.set[fDom]) & valid
			dow := uint32(dowW) & valid
			if fs.domL {
				dom |= 1 << n
			}
			if fs.domW != 0 {
				dom |= nearestWeekdays(fs.domW, w, n)
			}
			if fs.dowL != 0 {
				dow |= lastWeekdays(fs.dowL, w, n)
			}
			if and {
				s.days[w][n-28] = dom & dow
			} else {
				s.days[w][n-28] = dom | dow
			}
		}
	}
}

// weekPattern[k] has the days d (bits 1-31) with d-1 ≡ k (mod 7): the days
// that share a weekday with day k+1.
var weekPattern = func() (p [7]uint32) {
	for d := 1; d <= 31; d++ {
		p[(d-1)%7] |= 1 << d
	}
	return p
}()

// mod7 maps 0..13 to its remainder modulo 7, avoiding divisions in
// compileDays.
var mod7 = [14]uint8{0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6}

// nearestWeekdays returns the days selected by nW elements (bits n of
// ws) in a month of n days whose first day is weekday w: the weekday
// nearest day d, never leaving the month. This is gronx's and Quartz's
// rule: try the day itself, the day before, the day after, two days
// before, two days after.
func nearestWeekdays(ws uint64, w, n int) uint32 {
	var days uint32
	for ; ws != 0; ws &= ws - 1 {
		d := bits.TrailingZeros64(ws)
		if d > n {
			continue
		}
		switch wd := (w + d - 1) % 7; {
		case wd >= 1 && wd <= 5:
			days |= 1 << d
		case wd == 6 && d > 1: // Saturday: the Friday before
			days |= 1 << (d - 1)
		case wd == 6: // Saturday the 1st: Monday the 3rd
			days |= 1 << (d + 2)
		case d < n: // Sunday: the Monday after
			days |= 1 << (d + 1)
		default: // Sunday the last day: the Friday before
			days |= 1 << (d - 2)
		}
	}
	return days
}

// lastWeekdays returns the days selected by dL elements (bits d of set)
// in a month of n days whose first day is weekday w.
func lastWeekdays(set uint8, w, n int) uint32 {
	var days uint32
	lastWd := (w + n - 1) % 7 // weekday of day n
	for ; set != 0; set &= set - 1 {
		x := bits.TrailingZeros8(set)
		days |= 1 << (n - int(mod7[lastWd-x+7]))
	}
	return days
}

// canonical renders fs as a normalised expression.
func canonical(fs *fields) string {
	buf := make([]byte, 0, 64)
	for f := range numFields {
		if f > 0 {
			buf = append(buf, ' ')
		}
		start := len(buf)
		sep := func() {
			if len(buf) > start {
				buf = append(buf, ',')
			}
		}
		set := fs.set[f]
		info := fieldInfo[f]
		if fs.star[f] {
			step := fs.starStep[f]
			if step <= 1 && set == rangeBits(info.min, info.last, 1) && !hasModifiers(fs, f) {
				buf = append(buf, '*')
			} else {
				buf = append(buf, "*/"...)
				buf = strconv.AppendInt(buf, int64(max(step, 1)), 10)
			}
			set &^= rangeBits(info.min, info.last, max(step, 1))
		}
		if set != 0 {
			sep()
			buf = appendSet(buf, set)
		}
		switch f {
		case fDom:
			for ws := fs.domW; ws != 0; ws &= ws - 1 {
				sep()
				buf = strconv.AppendInt(buf, int64(bits.TrailingZeros64(ws)), 10)
				buf = append(buf, 'W')
			}
			if fs.domL {
				sep()
				buf = append(buf, 'L')
			}
		case fDow:
			for d := range 7 {
				if fs.dowL&(1<<d) != 0 {
					sep()
					buf = strconv.AppendInt(buf, int64(d), 10)
					buf = append(buf, 'L')
				}
			}
			for d := range 7 {
				for k := range 5 {
					if fs.dowNth[d]&(1<<k) != 0 {
						sep()
						buf = strconv.AppendInt(buf, int64(d), 10)
						buf = append(buf, '#')
						buf = strconv.AppendInt(buf, int64(k+1), 10)
					}
				}
			}
		}
	}
	return string(buf)
}

// hasModifiers reports whether field f has L, W or # elements.
func hasModifiers(fs *fields, f int) bool {
	switch f {
	case fDom:
		return fs.domL || fs.domW != 0
	case fDow:
		if fs.dowL != 0 {
			return true
		}
		for _, n := range fs.dowNth {
			if n != 0 {
				return true
			}
		}
	}
	return false
}

// appendSet appends the values in set (non-empty) as a comma-separated
// list: an arithmetic progression of three or more values with a step
// above one as a-b/n, otherwise runs of three or more consecutive values
// as a-b and other values singly.
func appendSet(buf []byte, set uint64) []byte {
	first := bits.TrailingZeros64(set)
	last := 63 - bits.LeadingZeros64(set)
	if cnt := bits.OnesCount64(set); cnt >= 3 {
		step := bits.TrailingZeros64(set>>uint(first+1)) + 1
		if step > 1 && (last-first)%step == 0 && (last-first)/step+1 == cnt && rangeBits(first, last, step) == set {
			buf = strconv.AppendInt(buf, int64(first), 10)
			buf = append(buf, '-')
			buf = strconv.AppendInt(buf, int64(last), 10)
			buf = append(buf, '/')
			return strconv.AppendInt(buf, int64(step), 10)
		}
	}
	startLen := len(buf)
	for rest := set; rest != 0; {
		v := bits.TrailingZeros64(rest)
		end := v + bits.TrailingZeros64(^(rest >> uint(v))) - 1 // last of this run
		rest &^= (2<<uint(end) - 1)
		if len(buf) > startLen {
			buf = append(buf, ',')
		}
		if end-v >= 2 {
			buf = strconv.AppendInt(buf, int64(v), 10)
			buf = append(buf, '-')
			buf = strconv.AppendInt(buf, int64(end), 10)
			continue
		}
		for k := v; k <= end; k++ {
			if k > v {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(k), 10)
		}
	}
	return buf
}
