package schedule

import (
	"strings"
)

// Field indexes, in expression order.
const (
	fMinute = iota
	fHour
	fDom
	fMonth
	fDow
	numFields
)

// fieldInfo describes each field: its name in error messages, the range of
// plain values, and the largest step that still selects more than one value.
var fieldInfo = [numFields]struct {
	name     string
	min, max int // allowed values; day-of-week allows 7 as Sunday
	last     int // last real value (6 for day-of-week, where 7 folds onto 0)
	maxStep  int
}{
	fMinute: {"minute", 0, 59, 59, 59},
	fHour:   {"hour", 0, 23, 23, 23},
	fDom:    {"day-of-month", 1, 31, 31, 30},
	fMonth:  {"month", 1, 12, 12, 11},
	fDow:    {"day-of-week", 0, 7, 6, 6},
}

var monthNames = [...]string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

var dowNames = [...]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// macros maps the @-shortcuts that gronx accepts for five-field
// expressions to their expansion.
var macros = map[string]string{
	"@yearly":      "0 0 1 1 *",
	"@annually":    "0 0 1 1 *",
	"@monthly":     "0 0 1 * *",
	"@weekly":      "0 0 * * 0",
	"@daily":       "0 0 * * *",
	"@midnight":    "0 0 * * *",
	"@hourly":      "0 * * * *",
	"@always":      "* * * * *",
	"@5minutes":    "*/5 * * * *",
	"@10minutes":   "*/10 * * * *",
	"@15minutes":   "*/15 * * * *",
	"@30minutes":   "0,30 * * * *",
	"@everyminute": "* * * * *",
}

// fields is the parsed, not yet compiled, form of an expression.
type fields struct {
	set      [numFields]uint64 // plain values; day-of-week 7 folded onto bit 0
	star     [numFields]bool   // field text starts with '*' (or '?')
	starStep [numFields]int    // step of the leading */n (1 for a bare *), if star
	domL     bool              // L in day-of-month
	domW     uint64            // bits n for nW in day-of-month
	dowL     uint8             // bits d for dL in day-of-week
	dowNth   [7]uint8          // dowNth[d] bit k-1 for d#k in day-of-week
	text     [numFields]string // original field text, for error messages
}

// parser carries the expression through field parsing so errors can cite it.
type parser struct {
	expr string
}

func (p *parser) errf(f int, value string, sentinel error, msg string) *ParseError {
	name := ""
	if f >= 0 {
		name = fieldInfo[f].name
	}
	return &ParseError{Expr: p.expr, Field: name, Value: value, Msg: msg, Err: sentinel}
}

// splitFields splits s on runs of spaces and tabs into out, returning the
// number of fields found (which may exceed len(out); extra fields are
// counted but not stored).
func splitFields(s string, out *[numFields]string) int {
	n := 0
	for {
		for s != "" && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		}
		if s == "" {
			return n
		}
		i := 0
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		if n < numFields {
			out[n] = s[:i]
		}
		n++
		s = s[i:]
	}
}

func (p *parser) parse() (fields, error) {
	var fs fields
	s := strings.Trim(p.expr, " \t")
	if s == "" {
		return fs, p.errf(-1, "", ErrSyntax, "empty expression")
	}
	if s[0] == '@' {
		m, ok := macros[strings.ToLower(s)]
		if !ok {
			return fs, &ParseError{Expr: p.expr, Value: s, Msg: "unknown macro " + quote(s) + " (want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)", Err: ErrSyntax}
		}
		s = m
	}
	var parts [numFields]string
	if n := splitFields(s, &parts); n != numFields {
		return fs, p.errf(-1, "", ErrSyntax, "expected 5 fields (minute hour day-of-month month day-of-week), found "+itoa(n))
	}
	for i, part := range parts {
		if err := p.parseField(&fs, i, part); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

func (p *parser) parseField(fs *fields, f int, text string) error {
	fs.text[f] = text
	fs.star[f] = text[0] == '*' || text[0] == '?'
	list := strings.IndexByte(text, ',') >= 0
	rest := text
	for first := true; ; first = false {
		e, tail, more := strings.Cut(rest, ",")
		if e == "" {
			return p.errf(f, text, ErrSyntax, "empty list element")
		}
		if (e == "*" || e == "?") && list {
			return p.errf(f, text, ErrSyntax, quote(e)+" cannot be combined with other list elements")
		}
		if err := p.parseElem(fs, f, strings.ToUpper(e), first); err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.Value = e // report the element as written
			}
			return err
		}
		if !more {
			return nil
		}
		rest = tail
	}
}

// parseElem parses one list element (already upper-cased).
func (p *parser) parseElem(fs *fields, f int, e string, first bool) error {
	info := fieldInfo[f]
	switch {
	case e == "?":
		if f != fDom && f != fDow {
			return p.errf(f, e, ErrSyntax, `"?" is only allowed in the day-of-month and day-of-week fields`)
		}
		fs.set[f] |= rangeBits(info.min, info.last, 1)
		if first {
			fs.starStep[f] = 1
		}
		return nil
	case f == fDom && e == "L":
		fs.domL = true
		return nil
	case f == fDom && strings.HasSuffix(e, "W"):
		n, err := p.value(f, e, e[:len(e)-1])
		if err != nil {
			return err
		}
		if n < 1 || n > 31 {
			return p.errf(f, e, ErrRange, "day "+itoa(n)+" out of range 1-31")
		}
		fs.domW |= 1 << n
		return nil
	case f == fDow && strings.HasSuffix(e, "L") && len(e) > 1:
		n, err := p.value(f, e, e[:len(e)-1])
		if err != nil {
			return err
		}
		if n < 0 || n > 7 {
			return p.errf(f, e, ErrRange, "weekday "+itoa(n)+" out of range 0-7")
		}
		fs.dowL |= 1 << (n % 7)
		return nil
	case f == fDow && strings.Contains(e, "#"):
		i := strings.IndexByte(e, '#')
		n, err := p.value(f, e, e[:i])
		if err != nil {
			return err
		}
		if n < 0 || n > 7 {
			return p.errf(f, e, ErrRange, "weekday "+itoa(n)+" out of range 0-7")
		}
		k, err := p.number(f, e, e[i+1:])
		if err != nil {
			return err
		}
		if k < 1 || k > 5 {
			return p.errf(f, e, ErrRange, "occurrence "+itoa(k)+" out of range 1-5")
		}
		fs.dowNth[n%7] |= 1 << (k - 1)
		return nil
	}

	// [*|a|a-b][/n]
	rng, stepText, hasStep := strings.Cut(e, "/")
	step := 1
	if hasStep {
		var err error
		step, err = p.number(f, e, stepText)
		if err != nil {
			return err
		}
		if step < 1 || step > info.maxStep {
			return p.errf(f, e, ErrStep, "step "+itoa(step)+" out of range 1-"+itoa(info.maxStep))
		}
	}
	var lo, hi int
	switch {
	case rng == "*":
		lo, hi = info.min, info.last
		if first {
			fs.starStep[f] = step
		}
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = p.value(f, e, a); err != nil {
			return err
		}
		if hi, err = p.value(f, e, b); err != nil {
			return err
		}
		if err := p.checkRange(f, e, lo); err != nil {
			return err
		}
		if err := p.checkRange(f, e, hi); err != nil {
			return err
		}
		if lo > hi {
			return p.errf(f, e, ErrRange, "range start "+itoa(lo)+" is greater than its end "+itoa(hi))
		}
	default:
		v, err := p.value(f, e, rng)
		if err != nil {
			return err
		}
		if err := p.checkRange(f, e, v); err != nil {
			return err
		}
		lo, hi = v, v
		if hasStep {
			if f == fDow && v == 7 {
				return p.errf(f, e, ErrRange, "a stepped sequence cannot start at 7; write 0/"+itoa(step))
			}
			hi = info.last
		}
	}
	fs.set[f] |= rangeBits(lo, hi, step)
	if f == fDow && fs.set[f]&(1<<7) != 0 {
		fs.set[f] = fs.set[f]&^(1<<7) | 1
	}
	return nil
}

func (p *parser) checkRange(f int, e string, v int) error {
	info := fieldInfo[f]
	if v < info.min || v > info.max {
		return p.errf(f, e, ErrRange, itoa(v)+" out of range "+itoa(info.min)+"-"+itoa(info.max))
	}
	return nil
}

// value parses a number or, in the month and day-of-week fields, a
// three-letter name.
func (p *parser) value(f int, e, s string) (int, error) {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		var names []string
		switch f {
		case fMonth:
			names = monthNames[:]
		case fDow:
			names = dowNames[:]
		}
		for i, n := range names {
			if s == n {
				if f == fMonth {
					return i + 1, nil
				}
				return i, nil
			}
		}
		if names == nil && isName(s) {
			return 0, p.errf(f, e, ErrSyntax, "names are only allowed in the month and day-of-week fields")
		}
		if names != nil && len(s) > 1 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			return 0, p.errf(f, e, ErrSyntax, "unknown name "+quote(s))
		}
	}
	return p.number(f, e, s)
}

// number parses a non-negative decimal number.
func (p *parser) number(f int, e, s string) (int, error) {
	if s == "" {
		return 0, p.errf(f, e, ErrSyntax, "missing number")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, p.errf(f, e, ErrSyntax, "unexpected character "+quote(s[i:i+1]))
		}
		if n < 1e6 {
			n = n*10 + int(c-'0')
		}
	}
	return n, nil
}

// rangeBits returns the bits lo, lo+step, ..., up to hi.
func rangeBits(lo, hi, step int) uint64 {
	if step == 1 {
		return (2<<uint(hi) - 1) &^ (1<<uint(lo) - 1)
	}
	var b uint64
	for v := lo; v <= hi; v += step {
		b |= 1 << v
	}
	return b
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// isName reports whether s is a month or weekday name.
func isName(s string) bool {
	for _, n := range monthNames {
		if s == n {
			return true
		}
	}
	for _, n := range dowNames {
		if s == n {
			return true
		}
	}
	return false
}

func quote(s string) string { return `"` + s + `"` }
