package schedule

import (
	"iter"
	"math/bits"
	"strings"
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
	s.compileDays(fs)
	if err := s.checkFires(&p, fs); err != nil {
		return nil, err
	}
	s.canon = canonical(fs)
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
	for w := range 7 {
		for n := 28; n <= 31; n++ {
			s.days[w][n-28] = dayMask(fs, w, n)
		}
	}
}

// dayMask returns the days (bits 1..n) that match in a month of n days
// whose first day is weekday w.
func dayMask(fs *fields, w, n int) uint32 {
	valid := uint32(1)<<(n+1) - 2 // bits 1..n
	weekday := func(d int) int { return (w + d - 1) % 7 }

	dom := uint32(fs.set[fDom]) & valid
	if fs.domL {
		dom |= 1 << n
	}
	for ws := fs.domW; ws != 0; ws &= ws - 1 {
		d := bits.TrailingZeros64(ws)
		if d > n {
			continue
		}
		// Nearest weekday within the month, in the order gronx and
		// Quartz try: the day itself, the day before, the day after,
		// two days before, two days after.
		for _, delta := range [...]int{0, -1, 1, -2, 2} {
			c := d + delta
			if c >= 1 && c <= n {
				if wd := weekday(c); wd >= 1 && wd <= 5 {
					dom |= 1 << c
					break
				}
			}
		}
	}

	var dow uint32
	for d := 1; d <= n; d++ {
		wd := weekday(d)
		if fs.set[fDow]&(1<<wd) != 0 {
			dow |= 1 << d
		}
		if fs.dowL&(1<<wd) != 0 && d+7 > n {
			dow |= 1 << d
		}
		if fs.dowNth[wd]&(1<<((d-1)/7)) != 0 {
			dow |= 1 << d
		}
	}

	if fs.star[fDom] || fs.star[fDow] {
		return dom & dow
	}
	return dom | dow
}

// canonical renders fs as a normalised expression.
func canonical(fs *fields) string {
	var b strings.Builder
	for f := range numFields {
		if f > 0 {
			b.WriteByte(' ')
		}
		var elems []string
		set := fs.set[f]
		info := fieldInfo[f]
		if fs.star[f] {
			step := fs.starStep[f]
			if step <= 1 {
				elems = append(elems, "*")
			} else {
				elems = append(elems, "*/"+itoa(step))
			}
			set &^= rangeBits(info.min, info.last, step)
		}
		elems = append(elems, renderSet(set, info.min, info.last)...)
		switch f {
		case fDom:
			for ws := fs.domW; ws != 0; ws &= ws - 1 {
				elems = append(elems, itoa(bits.TrailingZeros64(ws))+"W")
			}
			if fs.domL {
				elems = append(elems, "L")
			}
		case fDow:
			for d := range 7 {
				if fs.dowL&(1<<d) != 0 {
					elems = append(elems, itoa(d)+"L")
				}
			}
			for d := range 7 {
				for k := range 5 {
					if fs.dowNth[d]&(1<<k) != 0 {
						elems = append(elems, itoa(d)+"#"+itoa(k+1))
					}
				}
			}
		}
		b.WriteString(strings.Join(elems, ","))
	}
	return b.String()
}

// renderSet renders the values in set as a comma-separated list: a single
// arithmetic progression of three or more values with a step above one as
// a-b/n, otherwise runs of three or more consecutive values as a-b.
func renderSet(set uint64, lo, hi int) []string {
	if set == 0 {
		return nil
	}
	var vals []int
	for v := lo; v <= hi; v++ {
		if set&(1<<v) != 0 {
			vals = append(vals, v)
		}
	}
	if len(vals) >= 3 {
		step := vals[1] - vals[0]
		prog := step > 1
		for i := 2; i < len(vals) && prog; i++ {
			prog = vals[i]-vals[i-1] == step
		}
		if prog {
			return []string{itoa(vals[0]) + "-" + itoa(vals[len(vals)-1]) + "/" + itoa(step)}
		}
	}
	var out []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		if j-i >= 2 {
			out = append(out, itoa(vals[i])+"-"+itoa(vals[j]))
		} else {
			for k := i; k <= j; k++ {
				out = append(out, itoa(vals[k]))
			}
		}
		i = j + 1
	}
	return out
}
