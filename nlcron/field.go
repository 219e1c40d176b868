package nlcron

import (
	"math/bits"
	"strconv"
	"strings"
)

// field is one cron field under construction: a set of values, or a
// stepped star. Star-ness matters even when two fields select the same
// values: in Vixie cron a day field whose text starts with '*' changes how
// day-of-month and day-of-week combine, and a minute or hour field that
// starts with '*' changes what happens at DST transitions.
type field struct {
	lo, hi  int    // bounds of the field
	set     uint64 // bit v set: value v selected
	star    bool   // text is "*" or "*/step"
	step    int    // with star: the step (1 for "*")
	special []string
}

func newField(lo, hi int) *field { return &field{lo: lo, hi: hi} }

// starField returns "*/step" over [lo, hi].
func starField(lo, hi, step int) *field {
	f := &field{lo: lo, hi: hi, star: true, step: step}
	for v := lo; v <= hi; v += step {
		f.set |= 1 << uint(v)
	}
	return f
}

// rangeField returns "a-b/step" (a non-star field).
func rangeField(lo, hi, a, b, step int) *field {
	f := &field{lo: lo, hi: hi}
	for v := a; v <= b; v += step {
		f.set |= 1 << uint(v)
	}
	return f
}

func (f *field) add(v int)       { f.set |= 1 << uint(v) }
func (f *field) has(v int) bool  { return f.set&(1<<uint(v)) != 0 }
func (f *field) count() int      { return bits.OnesCount64(f.set) }
func (f *field) empty() bool     { return f.set == 0 && len(f.special) == 0 }
func (f *field) full() bool      { return f.set == fullMask(f.lo, f.hi) }
func fullMask(lo, hi int) uint64 { return (uint64(1)<<uint(hi+1) - 1) &^ (uint64(1)<<uint(lo) - 1) }
func (f *field) values() []int {
	var out []int
	for v := f.lo; v <= f.hi; v++ {
		if f.has(v) {
			out = append(out, v)
		}
	}
	return out
}

// String formats the field as cron text.
func (f *field) String() string {
	var parts []string
	set := f.set
	if f.star {
		head := "*"
		if f.step > 1 {
			head = "*/" + strconv.Itoa(f.step)
		}
		parts = append(parts, head)
		for v := f.lo; v <= f.hi; v += max(f.step, 1) {
			set &^= 1 << uint(v)
		}
	}
	vals := (&field{lo: f.lo, hi: f.hi, set: set}).values()
	if s, ok := progression(vals); ok && len(f.special) == 0 && !f.star {
		// a-b/s, written to the end of the field when the rhythm continues to it.
		b := vals[len(vals)-1]
		if b+s > f.hi {
			b = f.hi
		}
		return strconv.Itoa(vals[0]) + "-" + strconv.Itoa(b) + "/" + strconv.Itoa(s)
	}
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, strconv.Itoa(vals[i])+"-"+strconv.Itoa(vals[j]))
		case j-i == 1:
			parts = append(parts, strconv.Itoa(vals[i]), strconv.Itoa(vals[j]))
		default:
			parts = append(parts, strconv.Itoa(vals[i]))
		}
		i = j + 1
	}
	parts = append(parts, f.special...)
	return strings.Join(parts, ",")
}

// progression reports whether vals (sorted) is an arithmetic progression
// of at least three values with a step above 1.
func progression(vals []int) (int, bool) {
	if len(vals) < 3 {
		return 0, false
	}
	s := vals[1] - vals[0]
	if s < 2 {
		return 0, false
	}
	for i := 2; i < len(vals); i++ {
		if vals[i]-vals[i-1] != s {
			return 0, false
		}
	}
	return s, true
}
