package nlcron

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// ErrInvalidCron reports a cron expression that [Describe] cannot read.
// The error returned by Describe wraps it together with the reason.
var ErrInvalidCron = errors.New("invalid cron expression")

// Describe turns a cron expression of the schedule package's dialect
// (five fields or a macro such as @daily) into English a person reads
// easily, such as "at 5:00 PM, only on Sunday" or "every 10 minutes,
// Monday through Friday".
//
// The English always parses back: for every valid expression e,
// Parse(Describe(e)) yields a cron that fires at exactly the same instants
// as e. The description always starts with the time of day, followed by
// the days and the months when they are restricted. When both day fields
// are restricted, the description says whether a day must match either
// field ("..., or on Monday") or both ("..., if it falls on Monday"),
// following the schedule package's rule.
func Describe(expr string) (string, error) {
	f, err := dParseFields(expr)
	if err != nil {
		return "", fmt.Errorf("nlcron: describe %q: %w", expr, err)
	}
	b := make([]byte, 0, 128)
	return string(f.appendDescription(b)), nil
}

// Bit masks of the full range of each field.
const (
	dAllMinutes = 1<<60 - 1
	dAllHours   = 1<<24 - 1
	dAllDoms    = (1<<32 - 1) &^ 1 // days 1..31
	dAllMonths  = (1<<13 - 1) &^ 1 // months 1..12
	dAllDows    = 1<<7 - 1         // 0 (Sunday) .. 6
)

// dFields is the meaning of a cron expression, one bit set per field.
// It is what Describe describes; two expressions with equal fields fire at
// the same instants.
type dFields struct {
	minute uint64 // bits 0..59
	hour   uint64 // bits 0..23
	dom    uint64 // bits 1..31: plain days of the month
	month  uint64 // bits 1..12
	dow    uint64 // bits 0..6: plain weekdays, 0 = Sunday

	domLast    bool   // L: last day of the month
	domNearest uint64 // bits 1..31: nW, the weekday nearest day n
	dowNth     [7]uint8
	// dowNth[d] has bit k (1..5) set for "d#k", the k-th weekday d.
	dowLast uint8 // bit d set for "dL", the last weekday d of the month

	// minuteStar and hourStar record that the field text starts with
	// '*': such wildcard schedules fire differently around DST changes.
	minuteStar, hourStar bool
	// domStar and dowStar record that the field text starts with '*' or
	// '?'. When either is set a day must match both day fields,
	// otherwise either field.
	domStar, dowStar bool
}

var dMacros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
	// gronx's extras, accepted by the schedule package too.
	"@always":      "* * * * *",
	"@everyminute": "* * * * *",
	"@5minutes":    "*/5 * * * *",
	"@10minutes":   "*/10 * * * *",
	"@15minutes":   "*/15 * * * *",
	"@30minutes":   "0,30 * * * *",
}

var dMonthNames = [...]string{"", "January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

var dDayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// dFieldRange describes the legal values of one field, as the schedule
// package accepts them.
type dFieldRange struct {
	name     string
	min, max int      // legal values; day of week allows 7 for Sunday
	last     int      // what "*" covers: 6 for the day of week
	maxStep  int      // largest step
	names    []string // three-letter names, index = value - min
	days     bool     // "?" allowed
}

var (
	dMinuteRange = dFieldRange{name: "minute", min: 0, max: 59, last: 59, maxStep: 59}
	dHourRange   = dFieldRange{name: "hour", min: 0, max: 23, last: 23, maxStep: 23}
	dDomRange    = dFieldRange{name: "day-of-month", min: 1, max: 31, last: 31, maxStep: 30, days: true}
	dMonthRange  = dFieldRange{name: "month", min: 1, max: 12, last: 12, maxStep: 11, names: []string{
		"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dDowRange = dFieldRange{name: "day-of-week", min: 0, max: 7, last: 6, maxStep: 6, days: true, names: []string{
		"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
)

// dParseFields reads a cron expression into its bit sets. It accepts
// exactly what schedule.Parse accepts (the two are checked against each
// other by the tests); it exists because Describe must stay within a few
// microseconds and schedule.Parse also compiles the schedule.
func dParseFields(expr string) (dFields, error) {
	var f dFields
	s := strings.Trim(expr, " \t")
	if s == "" {
		return f, fmt.Errorf("%w: empty expression", ErrInvalidCron)
	}
	if s[0] == '@' {
		m, ok := dMacros[strings.ToLower(s)]
		if !ok {
			return f, fmt.Errorf("%w: unknown macro %q", ErrInvalidCron, s)
		}
		s = m
	}
	var parts [5]string
	n := 0
	for s != "" {
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			i = len(s)
		}
		if n == len(parts) {
			return f, fmt.Errorf("%w: more than 5 fields", ErrInvalidCron)
		}
		parts[n] = s[:i]
		n++
		s = strings.TrimLeft(s[i:], " \t")
	}
	if n != len(parts) {
		return f, fmt.Errorf("%w: want 5 fields (minute hour day-of-month month day-of-week), got %d", ErrInvalidCron, n)
	}
	for i := range parts {
		parts[i] = strings.ToUpper(parts[i])
	}
	var err error
	if f.minute, err = dParseField(parts[0], &dMinuteRange, nil); err != nil {
		return f, err
	}
	if f.hour, err = dParseField(parts[1], &dHourRange, nil); err != nil {
		return f, err
	}
	if f.dom, err = dParseField(parts[2], &dDomRange, f.domSpecial); err != nil {
		return f, err
	}
	if f.month, err = dParseField(parts[3], &dMonthRange, nil); err != nil {
		return f, err
	}
	if f.dow, err = dParseField(parts[4], &dDowRange, f.dowSpecial); err != nil {
		return f, err
	}
	if f.dow&(1<<7) != 0 { // 7 is Sunday too
		f.dow = f.dow&^(1<<7) | 1
	}
	f.minuteStar = parts[0][0] == '*'
	f.hourStar = parts[1][0] == '*'
	f.domStar = parts[2][0] == '*' || parts[2][0] == '?'
	f.dowStar = parts[4][0] == '*' || parts[4][0] == '?'
	if !f.fires() {
		return f, fmt.Errorf("%w: the day fields match no day of the selected months", ErrInvalidCron)
	}
	return f, nil
}

// domSpecial parses the day-of-month items L and nW.
func (f *dFields) domSpecial(item string) (bool, error) {
	switch {
	case item == "L":
		f.domLast = true
		return true, nil
	case strings.HasSuffix(item, "W"):
		d, err := dNumber(item[:len(item)-1], &dDomRange)
		if err != nil {
			return true, err
		}
		if d < 1 || d > 31 {
			return true, fmt.Errorf("%w: day-of-month %q out of range 1-31", ErrInvalidCron, item)
		}
		f.domNearest |= 1 << d
		return true, nil
	}
	return false, nil
}

// dowSpecial parses the day-of-week items dL and d#k.
func (f *dFields) dowSpecial(item string) (bool, error) {
	if len(item) > 1 && strings.HasSuffix(item, "L") {
		d, err := dValue(item[:len(item)-1], &dDowRange)
		if err != nil {
			return true, err
		}
		f.dowLast |= 1 << (d % 7)
		return true, nil
	}
	if i := strings.IndexByte(item, '#'); i >= 0 {
		d, err := dValue(item[:i], &dDowRange)
		if err != nil {
			return true, err
		}
		k, err := dNumber(item[i+1:], &dDowRange)
		if err != nil {
			return true, err
		}
		if k < 1 || k > 5 {
			return true, fmt.Errorf("%w: day-of-week %q: occurrence out of range 1-5", ErrInvalidCron, item)
		}
		f.dowNth[d%7] |= 1 << k
		return true, nil
	}
	return false, nil
}

// dParseField parses an upper-cased, comma-separated list of *, ?, a,
// a-b, with an optional /step, into a bit set. special, when not nil,
// gets the first look at every item and reports whether it consumed it.
func dParseField(s string, r *dFieldRange, special func(string) (bool, error)) (uint64, error) {
	var set uint64
	single := strings.IndexByte(s, ',') < 0
	for item := range strings.SplitSeq(s, ",") {
		switch {
		case item == "":
			return 0, fmt.Errorf("%w: %s %q: empty list element", ErrInvalidCron, r.name, s)
		case item == "*" || item == "?":
			if !single {
				return 0, fmt.Errorf("%w: %s %q: %q cannot be combined with other list elements", ErrInvalidCron, r.name, s, item)
			}
			if item == "?" && !r.days {
				return 0, fmt.Errorf("%w: %s %q: \"?\" is only allowed in the day fields", ErrInvalidCron, r.name, s)
			}
			set |= dRangeBits(r.min, r.last, 1)
			continue
		}
		if special != nil {
			done, err := special(item)
			if err != nil {
				return 0, err
			}
			if done {
				continue
			}
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = dNumber(stepText, r); err != nil {
				return 0, err
			}
			if step < 1 || step > r.maxStep {
				return 0, fmt.Errorf("%w: %s %q: step out of range 1-%d", ErrInvalidCron, r.name, item, r.maxStep)
			}
		}
		var lo, hi int
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
			lo, hi = r.min, r.last
		case isRange:
			var err error
			if lo, err = dValue(a, r); err != nil {
				return 0, err
			}
			if hi, err = dValue(b, r); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("%w: %s %q: range runs backwards", ErrInvalidCron, r.name, item)
			}
		default:
			var err error
			if lo, err = dValue(rng, r); err != nil {
				return 0, err
			}
			hi = lo
			if hasStep {
				if r == &dDowRange && lo == 7 {
					return 0, fmt.Errorf("%w: %s %q: a stepped sequence cannot start at 7", ErrInvalidCron, r.name, item)
				}
				hi = r.last
			}
		}
		set |= dRangeBits(lo, hi, step)
	}
	return set, nil
}

// dValue parses a number or, for months and weekdays, a name, and checks
// that it is in range.
func dValue(s string, r *dFieldRange) (int, error) {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		for i, n := range r.names {
			if s == n {
				return r.min + i, nil
			}
		}
		return 0, fmt.Errorf("%w: %s: unknown name %q", ErrInvalidCron, r.name, s)
	}
	v, err := dNumber(s, r)
	if err != nil {
		return 0, err
	}
	if v < r.min || v > r.max {
		return 0, fmt.Errorf("%w: %s %d out of range %d-%d", ErrInvalidCron, r.name, v, r.min, r.max)
	}
	return v, nil
}

// dNumber parses a non-negative decimal number (huge ones saturate).
func dNumber(s string, r *dFieldRange) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: %s: missing number", ErrInvalidCron, r.name)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %s: unexpected character %q", ErrInvalidCron, r.name, s[i:i+1])
		}
		if n < 1e6 {
			n = n*10 + int(c-'0')
		}
	}
	return n, nil
}

// dayMask returns the days (bits 1..n) that match in a month of n days
// whose first day is weekday w (0 = Sunday), by the schedule package's
// rules for L, nW, dL, d#k and the Vixie AND/OR rule.
func (f *dFields) dayMask(w, n int) uint32 {
	valid := uint32(1)<<(n+1) - 2
	dom := uint32(f.dom) & valid
	if f.domLast {
		dom |= 1 << n
	}
	for ws := f.domNearest; ws != 0; ws &= ws - 1 {
		d := bits.TrailingZeros64(ws)
		if d > n {
			continue
		}
		for _, delta := range [...]int{0, -1, 1, -2, 2} {
			if c := d + delta; c >= 1 && c <= n {
				if wd := (w + c - 1) % 7; wd >= 1 && wd <= 5 {
					dom |= 1 << c
					break
				}
			}
		}
	}
	var dow uint32
	for d := 1; d <= n; d++ {
		wd := (w + d - 1) % 7
		if f.dow&(1<<wd) != 0 || f.dowLast&(1<<wd) != 0 && d+7 > n || f.dowNth[wd]&(1<<((d-1)/7+1)) != 0 {
			dow |= 1 << d
		}
	}
	if f.domStar || f.dowStar {
		return dom & dow
	}
	return dom | dow
}

// dMonthLengths lists the possible lengths of each month.
var dMonthLengths = [13][]int{1: {31}, 2: {28, 29}, 3: {31}, 4: {30}, 5: {31}, 6: {30},
	7: {31}, 8: {31}, 9: {30}, 10: {31}, 11: {30}, 12: {31}}

// fires reports whether the day fields match some day of a selected
// month. Every combination of month, weekday of its first day and length
// occurs in the Gregorian calendar.
func (f *dFields) fires() bool {
	// Shortcuts for the common cases: a plain weekday exists in every
	// month, and so does a plain day up to the 28th.
	and := f.domStar || f.dowStar
	domAll, dowAll := f.dom&dAllDoms == dAllDoms, f.dow&dAllDows == dAllDows
	if f.dow != 0 && (!and || domAll) || f.dom&0x1ffffffe != 0 && (!and || dowAll) {
		return true
	}
	for mo := f.month; mo != 0; mo &= mo - 1 {
		for _, n := range dMonthLengths[bits.TrailingZeros64(mo)] {
			for w := range 7 {
				if f.dayMask(w, n) != 0 {
					return true
				}
			}
		}
	}
	return false
}

// dProgression reports whether set (values lo..hi) is an arithmetic
// progression of at least two values, and its first value, step, last
// value and count.
func dProgression(set uint64) (first, step, last, count int, ok bool) {
	count = bits.OnesCount64(set)
	if count < 2 {
		return 0, 0, 0, count, false
	}
	first = bits.TrailingZeros64(set)
	last = 63 - bits.LeadingZeros64(set)
	if (last-first)%(count-1) != 0 {
		return 0, 0, 0, count, false
	}
	step = (last - first) / (count - 1)
	var want uint64
	for v := first; v <= last; v += step {
		want |= 1 << v
	}
	return first, step, last, count, want == set
}

// dRun is a maximal interval of consecutive values in a set.
type dRun struct{ lo, hi int }

// dRuns splits set into maximal runs of consecutive values.
func dRuns(set uint64, buf []dRun) []dRun {
	for set != 0 {
		lo := bits.TrailingZeros64(set)
		hi := lo + bits.TrailingZeros64(^(set >> lo)) - 1
		buf = append(buf, dRun{lo, hi})
		set &^= (1<<(hi-lo+1) - 1) << lo
	}
	return buf
}

// dAppendList appends items joined as "a", "a and b" or "a, b and c",
// with conj in place of "and".
func dAppendList(b []byte, n int, conj string, item func(b []byte, i int) []byte) []byte {
	for i := range n {
		switch {
		case i == 0:
		case i == n-1:
			b = append(b, ' ')
			b = append(b, conj...)
			b = append(b, ' ')
		default:
			b = append(b, ", "...)
		}
		b = item(b, i)
	}
	return b
}

// dAppendRunList lists a set as its runs: runs of three or more values
// read "a through b", shorter runs are listed value by value.
func dAppendRunList(b []byte, set uint64, conj string, label func(b []byte, v int) []byte) []byte {
	var buf [32]dRun
	var items [64]dRun
	n := 0
	for _, r := range dRuns(set, buf[:0]) {
		if r.hi-r.lo >= 2 {
			items[n] = r
			n++
			continue
		}
		for v := r.lo; v <= r.hi; v++ {
			items[n] = dRun{v, v}
			n++
		}
	}
	return dAppendList(b, n, conj, func(b []byte, i int) []byte {
		b = label(b, items[i].lo)
		if items[i].hi != items[i].lo {
			b = append(b, " through "...)
			b = label(b, items[i].hi)
		}
		return b
	})
}

func dAppendInt(b []byte, v int) []byte { return strconv.AppendInt(b, int64(v), 10) }

// dAppendOrdinal appends 1st, 2nd, 3rd, 4th, ... 21st, 22nd, 23rd, ...
func dAppendOrdinal(b []byte, v int) []byte {
	b = dAppendInt(b, v)
	switch {
	case v%100/10 == 1:
		return append(b, "th"...)
	case v%10 == 1:
		return append(b, "st"...)
	case v%10 == 2:
		return append(b, "nd"...)
	case v%10 == 3:
		return append(b, "rd"...)
	}
	return append(b, "th"...)
}

// dAppendHour appends an hour label: "12 AM", "9 AM", "12 PM", "5 PM".
func dAppendHour(b []byte, h int) []byte {
	b = dAppendInt(b, (h+11)%12+1)
	if h < 12 {
		return append(b, " AM"...)
	}
	return append(b, " PM"...)
}

// dAppendClock appends a time label: "12:00 AM", "9:05 AM", "5:30 PM".
func dAppendClock(b []byte, h, m int) []byte {
	b = dAppendInt(b, (h+11)%12+1)
	b = append(b, ':', byte('0'+m/10), byte('0'+m%10))
	if h < 12 {
		return append(b, " AM"...)
	}
	return append(b, " PM"...)
}

// appendDescription appends the whole description: time, days, months.
func (f *dFields) appendDescription(b []byte) []byte {
	b = f.appendTime(b)
	kind := f.dayKind()
	months := f.month != dAllMonths
	if months && (kind == dDaysAnd || kind == dDaysOr) {
		// Before a two-part day rule, so that it plainly covers both parts.
		b = append(b, ", "...)
		b = dAppendMonths(b, f.month, false)
		months = false
	}
	if kind == dDaysDom && months && !f.domLast && f.domNearest == 0 &&
		bits.OnesCount64(f.dom) == 1 && bits.OnesCount64(f.month) == 1 {
		b = append(b, ", on "...)
		b = append(b, dMonthNames[bits.TrailingZeros64(f.month)]...)
		b = append(b, ' ')
		return dAppendInt(b, bits.TrailingZeros64(f.dom))
	}
	b = f.appendDays(b, kind)
	if months {
		b = append(b, ", "...)
		b = dAppendMonths(b, f.month, kind == dDaysNone)
	}
	return b
}

// appendTime describes the minute and hour fields.
//
// Besides the two sets it must carry one more bit: whether the expression
// is a wildcard schedule (minute or hour field text starting with '*'),
// because that changes the fire times around DST transitions. The
// "every minute", "every N minutes" and "every N hours" forms (and an
// absent hour clause) parse back to '*'-prefixed fields; every other form
// parses back to plain values, ranges and lists.
func (f *dFields) appendTime(b []byte) []byte {
	m, h := f.minute, f.hour
	wild := f.minuteStar || f.hourStar
	hStep, hStar := dStarStep(h, 23)
	if wild && m == dAllMinutes && h == dAllHours {
		return append(b, "every minute"...)
	}
	if m == 1 { // on the hour
		switch {
		case wild && h == dAllHours:
			return append(b, "every hour"...)
		case wild && hStar:
			b = append(b, "every "...)
			b = dAppendInt(b, hStep)
			return append(b, " hours"...)
		}
	}
	nm, nh := bits.OnesCount64(m), bits.OnesCount64(h)
	if !wild && nm*nh <= 4 {
		if nm == 1 && nh == 1 && m == 1 && (h == 1 || h == 1<<12) {
			if h == 1 {
				return append(b, "at midnight"...)
			}
			return append(b, "at noon"...)
		}
		b = append(b, "at "...)
		var hs, ms [4]int
		hl := dSetValues(h, hs[:0])
		ml := dSetValues(m, ms[:0])
		return dAppendList(b, nm*nh, "and", func(b []byte, i int) []byte {
			return dAppendClock(b, hl[i/nm], ml[i%nm])
		})
	}
	if m == 1 && !wild {
		if first, step, last, count, ok := dProgression(h); ok && count >= 3 {
			b = append(b, "every "...)
			if step == 1 {
				b = append(b, "hour"...)
			} else {
				b = dAppendInt(b, step)
				b = append(b, " hours"...)
			}
			b = append(b, " from "...)
			b = dAppendHour(b, first)
			b = append(b, " through "...)
			return dAppendHour(b, last)
		}
	}
	// General form: minutes, then hours. Decide which of the two carries
	// the wildcard.
	minuteStar, hourStar := false, false
	if wild {
		switch {
		case hStar:
			hourStar = true
			// The hours already make a wildcard schedule, so the
			// minutes may use any form: "every N minutes and at ..."
			// reads better than a long list.
			k, exact := dStarStep(m, 59)
			minuteStar = exact || k >= 2 && bits.OnesCount64(m&^dRangeBits(0, 59, k)) <= 3
		case func() bool { _, ok := dStarStep(m, 59); return ok }():
			minuteStar = true
		case f.minuteStar:
			minuteStar = true
		default:
			hourStar = true
		}
	}
	b = dAppendMinutes(b, m, minuteStar)
	if h != dAllHours || !hourStar {
		b = append(b, ", "...)
		b = dAppendHours(b, h, hourStar)
	}
	return b
}

// dStarStep reports whether set (values 0..max, max one of 6, 23, 30
// and 59) contains a progression 0, k, 2k, ... that a '*'-prefixed field
// "*/k" (k>=1) selects, returning the smallest such k >= 1; exact reports
// whether set is exactly that progression.
func dStarStep(set uint64, max int) (k int, exact bool) {
	if set&1 == 0 {
		return 0, false
	}
	var masks *[60]uint64
	switch max {
	case 6:
		masks = &dStepMasks[0]
	case 23:
		masks = &dStepMasks[1]
	case 30:
		masks = &dStepMasks[2]
	default:
		masks = &dStepMasks[3]
	}
	for k = 1; k <= max; k++ {
		if p := masks[k]; set&p == p {
			return k, set == p
		}
	}
	return 0, false
}

// dStepMasks[i][k] holds 0, k, 2k, ... up to 6, 23, 30 or 59 for i = 0..3.
var dStepMasks = func() (t [4][60]uint64) {
	for i, max := range [...]int{6, 23, 30, 59} {
		for k := 1; k <= max; k++ {
			t[i][k] = dRangeBits(0, max, k)
		}
	}
	return t
}()

// dRangeBits returns the bits lo, lo+step, ..., up to hi.
func dRangeBits(lo, hi, step int) uint64 {
	var b uint64
	for v := lo; v <= hi; v += step {
		b |= 1 << v
	}
	return b
}

func dSetValues(set uint64, buf []int) []int {
	for set != 0 {
		v := bits.TrailingZeros64(set)
		buf = append(buf, v)
		set &^= 1 << v
	}
	return buf
}

// dAppendMinutes describes a minute set on its own. star asks for a form
// that parses back to a '*'-prefixed field; the set must then contain
// 0, k, 2k, ... for some k.
func dAppendMinutes(b []byte, m uint64, star bool) []byte {
	if star {
		k, exact := dStarStep(m, 59)
		switch {
		case k == 1:
			return append(b, "every minute"...)
		case exact:
			b = append(b, "every "...)
			b = dAppendInt(b, k)
			return append(b, " minutes"...)
		}
		b = append(b, "every "...)
		b = dAppendInt(b, k)
		b = append(b, " minutes and "...)
		return dAppendMinuteList(b, m&^dRangeBits(0, 59, k))
	}
	if first, step, last, count, ok := dProgression(m); ok {
		switch {
		case step == 1 && count >= 3 || m == dAllMinutes:
			b = append(b, "every minute from minute "...)
			b = dAppendInt(b, first)
			b = append(b, " through "...)
			return dAppendInt(b, last)
		case step == 1:
		case first != 0 && last+step > 59 && (count >= 3 || 60%step == 0):
			b = append(b, "every "...)
			b = dAppendInt(b, step)
			b = append(b, " minutes starting at minute "...)
			return dAppendInt(b, first)
		case count >= 3:
			b = append(b, "every "...)
			b = dAppendInt(b, step)
			b = append(b, " minutes from minute "...)
			b = dAppendInt(b, first)
			b = append(b, " through "...)
			return dAppendInt(b, last)
		}
	}
	if m == 1 {
		return append(b, "on the hour"...)
	}
	return dAppendMinuteList(b, m)
}

// dAppendMinuteList lists minutes: "at 5, 10 and 20 through 25 minutes
// past the hour".
func dAppendMinuteList(b []byte, m uint64) []byte {
	b = append(b, "at "...)
	b = dAppendRunList(b, m, "and", dAppendInt)
	if m == 1<<1 {
		return append(b, " minute past the hour"...)
	}
	return append(b, " minutes past the hour"...)
}

// dAppendHours describes an hour set as a qualifier after the minutes.
// star asks for a form that parses back to a '*'-prefixed field.
func dAppendHours(b []byte, h uint64, star bool) []byte {
	if star {
		k, exact := dStarStep(h, 23)
		b = append(b, "every "...)
		b = dAppendInt(b, k)
		b = append(b, " hours"...)
		if !exact {
			b = append(b, " and during hours "...)
			b = dAppendRunList(b, h&^dRangeBits(0, 23, k), "and", dAppendHour)
		}
		return b
	}
	if rs := dRuns(h, make([]dRun, 0, 1)); len(rs) == 1 {
		b = append(b, "from "...)
		b = dAppendClock(b, rs[0].lo, 0)
		b = append(b, " through "...)
		return dAppendClock(b, rs[0].hi, 59)
	}
	if first, step, last, count, ok := dProgression(h); ok && step >= 2 && count >= 3 {
		b = append(b, "every "...)
		b = dAppendInt(b, step)
		b = append(b, " hours from "...)
		b = dAppendHour(b, first)
		b = append(b, " through "...)
		return dAppendHour(b, last)
	}
	b = append(b, "during hours "...)
	return dAppendRunList(b, h, "and", dAppendHour)
}

// dAppendMonths describes a month set that is not every month. Being
// alone selects "only in January" and "January through March", the
// forms for a description without days; otherwise "in January".
func dAppendMonths(b []byte, mo uint64, alone bool) []byte {
	if !alone {
		b = append(b, "in "...)
	} else if rs := dRuns(mo, make([]dRun, 0, 1)); len(rs) != 1 || rs[0].hi-rs[0].lo < 2 {
		b = append(b, "only in "...)
	}
	return dAppendRunList(b, mo, "and", func(b []byte, v int) []byte { return append(b, dMonthNames[v]...) })
}

// What the two day fields amount to, by the schedule package's rule.
const (
	dDaysNone = iota // every day
	dDaysDom         // only the day of the month restricts
	dDaysDow         // only the day of the week restricts
	dDaysAnd         // both restrict, and a day must match both
	dDaysOr          // both restrict, and a day may match either
)

// dayKind says what the two day fields amount to.
func (f *dFields) dayKind() int {
	domAll := f.dom&dAllDoms == dAllDoms
	dowAll := f.dow&dAllDows == dAllDows
	and := f.domStar || f.dowStar
	switch {
	case and && domAll && dowAll, !and && (domAll || dowAll):
		return dDaysNone
	case and && domAll:
		return dDaysDow
	case and && dowAll:
		return dDaysDom
	case and:
		return dDaysAnd
	}
	return dDaysOr
}

// appendDays describes the two day fields, as a clause after a comma.
func (f *dFields) appendDays(b []byte, kind int) []byte {
	switch kind {
	case dDaysDow:
		b = append(b, ", "...)
		return f.appendWeekdays(b, dDowStandalone)
	case dDaysDom:
		b = append(b, ", "...)
		return f.appendMonthDays(b, false)
	case dDaysAnd:
		b = append(b, ", "...)
		b = f.appendMonthDays(b, f.domStar)
		b = append(b, ", if it falls on "...)
		return f.appendWeekdays(b, dDowAnd)
	case dDaysOr:
		b = append(b, ", "...)
		b = f.appendMonthDays(b, false)
		b = append(b, ", or on "...)
		return f.appendWeekdays(b, dDowOr)
	}
	return b
}

// appendMonthDays describes the day-of-month field. star asks for a form
// that parses back to a '*'-prefixed field ("on every other day of the
// month ...").
func (f *dFields) appendMonthDays(b []byte, star bool) []byte {
	dom := f.dom
	plainOnly := !f.domLast && f.domNearest == 0
	if star {
		// The set holds 1, 1+k, 1+2k, ...: say so first.
		k, exact := dStarStep(dom>>1, 30)
		if exact && plainOnly {
			return dAppendEveryNthDay(b, k)
		}
		b = dAppendEveryNthDay(b, k)
		b = b[:len(b)-len(" of the month")]
		b = append(b, " and the "...)
		return f.appendDomList(b, dom&^(dRangeBits(0, 30, k)<<1))
	}
	if plainOnly {
		// A progression reads better as a list unless it is long.
		if first, step, last, count, ok := dProgression(dom); ok && step >= 2 && count >= 5 {
			full := first == 1 && last+step > 31
			if !full && count < 6 {
				return f.appendDomList(append(b, "on the "...), dom)
			}
			b = dAppendEveryNthDay(b, step)
			if full {
				return b
			}
			b = append(b, " from the "...)
			b = dAppendOrdinal(b, first)
			b = append(b, " through the "...)
			return dAppendOrdinal(b, last)
		}
	}
	b = append(b, "on the "...)
	return f.appendDomList(b, dom)
}

// appendDomList lists plain days dom and the L and nW items: "1st,
// 10th through 20th and last day of the month".
func (f *dFields) appendDomList(b []byte, dom uint64) []byte {
	var buf [16]dRun
	var items [64]dRun // plain runs as {lo,hi}; {-1,d}: weekday nearest d; {-2,0}: last day
	n := 0
	for _, r := range dRuns(dom, buf[:0]) {
		if r.hi-r.lo >= 2 {
			items[n] = r
			n++
			continue
		}
		for v := r.lo; v <= r.hi; v++ {
			items[n] = dRun{v, v}
			n++
		}
	}
	for s := f.domNearest; s != 0; s &= s - 1 {
		items[n] = dRun{-1, bits.TrailingZeros64(s)}
		n++
	}
	if f.domLast {
		items[n] = dRun{-2, 0}
		n++
	}
	b = dAppendList(b, n, "and", func(b []byte, i int) []byte {
		it := items[i]
		switch it.lo {
		case -1:
			if it.hi == 1 { // 1W never leaves the month: its first weekday
				return append(b, "first weekday"...)
			}
			b = append(b, "weekday nearest the "...)
			return dAppendOrdinal(b, it.hi)
		case -2:
			return append(b, "last day"...)
		}
		b = dAppendOrdinal(b, it.lo)
		if it.hi != it.lo {
			b = append(b, " through "...)
			b = dAppendOrdinal(b, it.hi)
		}
		return b
	})
	return append(b, " of the month"...)
}

func dAppendEveryNthDay(b []byte, step int) []byte {
	if step == 2 {
		return append(b, "on every other day of the month"...)
	}
	b = append(b, "on every "...)
	b = dAppendOrdinal(b, step)
	return append(b, " day of the month"...)
}

// Ways appendWeekdays can phrase the day-of-week field.
const (
	dDowStandalone = iota // "only on Sunday", "Monday through Friday"
	dDowOr                // after ", or on ": "Monday and Friday"
	dDowAnd               // after ", if it falls on ": "Monday or Friday"
)

var dNthNames = [...]string{"", "first", "second", "third", "fourth", "fifth"}

// appendWeekdays describes the day-of-week field: plain weekdays, listed
// Monday first, then the "first Monday" / "last Friday" items.
func (f *dFields) appendWeekdays(b []byte, mode int) []byte {
	conj := "and"
	if mode == dDowAnd {
		conj = "or"
	}
	// Positions Monday=0 .. Sunday=6, so that ranges never wrap.
	plain := (f.dow&dAllDows)>>1 | (f.dow&1)<<6
	specials := 0
	for d := range 7 {
		specials += bits.OnesCount8(f.dowNth[d])
		if f.dowLast&(1<<d) != 0 {
			specials++
		}
	}
	dayLabel := func(b []byte, pos int) []byte { return append(b, dDayNames[(pos+1)%7]...) }
	if plain != 0 {
		rs := dRuns(plain, make([]dRun, 0, 4))
		switch {
		case mode == dDowStandalone && specials == 0 && len(rs) == 1 && rs[0].hi-rs[0].lo >= 2:
			b = dayLabel(b, rs[0].lo)
			b = append(b, " through "...)
			return dayLabel(b, rs[0].hi)
		case mode == dDowStandalone:
			b = append(b, "only on "...)
		}
		b = dAppendRunList(b, plain, conj, dayLabel)
		if specials == 0 {
			return b
		}
		b = append(b, ' ')
		b = append(b, conj...)
		b = append(b, " on "...)
	} else if mode == dDowStandalone {
		b = append(b, "on "...)
	}
	b = append(b, "the "...)
	i := 0
	for pos := range 7 {
		d := (pos + 1) % 7
		for k := 1; k <= 5; k++ {
			if f.dowNth[d]&(1<<k) != 0 {
				b = dAppendListSep(b, i, specials, conj)
				i++
				b = append(b, dNthNames[k]...)
				b = append(b, ' ')
				b = append(b, dDayNames[d]...)
			}
		}
		if f.dowLast&(1<<d) != 0 {
			b = dAppendListSep(b, i, specials, conj)
			i++
			b = append(b, "last "...)
			b = append(b, dDayNames[d]...)
		}
	}
	return append(b, " of the month"...)
}

// dAppendListSep appends the separator before item i of n.
func dAppendListSep(b []byte, i, n int, conj string) []byte {
	switch {
	case i == 0:
		return b
	case i == n-1:
		b = append(b, ' ')
		b = append(b, conj...)
		return append(b, ' ')
	}
	return append(b, ", "...)
}

// andDayFields rewrites a day-of-month and a day-of-week field text so
// that schedule.Parse matches a day only when it matches BOTH fields,
// which it does when either text starts with '*' (see the schedule
// package's "Day matching"), keeping the day sets they select. It is for
// Parse, when a phrase says "..., if it falls on ...": dom "1-31/2" and
// dow "1" become "*/2" and "1"; dom "1-7" and dow "0,2,4,6" become "1-7"
// and "*/2". ok is false when no such rewrite exists: a star field
// selects 1, 1+k, 1+2k, ... (day of month) or 0, k, 2k, ... (day of
// week) for some step k, plus any further items. Every description that
// Describe writes with ", if it falls on" can be rewritten.
func andDayFields(dom, dow string) (domOut, dowOut string, ok bool) {
	var f dFields
	var err error
	if dom == "" || dow == "" {
		return "", "", false
	}
	if f.dom, err = dParseField(strings.ToUpper(dom), &dDomRange, f.domSpecial); err != nil {
		return "", "", false
	}
	if f.dow, err = dParseField(strings.ToUpper(dow), &dDowRange, f.dowSpecial); err != nil {
		return "", "", false
	}
	if f.dow&(1<<7) != 0 {
		f.dow = f.dow&^(1<<7) | 1
	}
	if dom[0] == '*' || dom[0] == '?' || dow[0] == '*' || dow[0] == '?' {
		return dom, dow, true
	}
	if f.dom == dAllDoms {
		return "*", dow, true
	}
	if f.dow&dAllDows == dAllDows {
		return dom, "*", true
	}
	if k, _ := dStarStep(f.dom>>1, 30); k >= 2 {
		b := make([]byte, 0, 32)
		b = append(b, "*/"...)
		b = dAppendInt(b, k)
		b = dAppendFieldList(b, f.dom&^(dRangeBits(0, 30, k)<<1))
		for s := f.domNearest; s != 0; s &= s - 1 {
			b = append(b, ',')
			b = dAppendInt(b, bits.TrailingZeros64(s))
			b = append(b, 'W')
		}
		if f.domLast {
			b = append(b, ",L"...)
		}
		return string(b), dow, true
	}
	if k, _ := dStarStep(f.dow&dAllDows, 6); k >= 2 {
		b := make([]byte, 0, 32)
		b = append(b, "*/"...)
		b = dAppendInt(b, k)
		b = dAppendFieldList(b, f.dow&dAllDows&^dRangeBits(0, 6, k))
		for d := range 7 {
			if f.dowLast&(1<<d) != 0 {
				b = append(b, ',')
				b = dAppendInt(b, d)
				b = append(b, 'L')
			}
			for k := 1; k <= 5; k++ {
				if f.dowNth[d]&(1<<k) != 0 {
					b = append(b, ',')
					b = dAppendInt(b, d)
					b = append(b, '#')
					b = dAppendInt(b, k)
				}
			}
		}
		return dom, string(b), true
	}
	return "", "", false
}

// dAppendFieldList appends ",a,b-c,..." for the values in set.
func dAppendFieldList(b []byte, set uint64) []byte {
	var buf [32]dRun
	for _, r := range dRuns(set, buf[:0]) {
		b = append(b, ',')
		b = dAppendInt(b, r.lo)
		if r.hi > r.lo {
			b = append(b, '-')
			b = dAppendInt(b, r.hi)
		}
	}
	return b
}
