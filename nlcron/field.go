package nlcron

import (
	"math/bits"
	"strconv"
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
	var buf [64]byte
	return string(f.appendText(buf[:0]))
}

// appendText appends the field's cron text to b: "*" or "*/step" for a
// star, then the values it leaves out as single values and a-b ranges,
// then the special entries, separated by commas. A field of at least
// three values in a progression with a step above 1 is written a-b/step
// instead, with b moved to the end of the field when the rhythm continues
// to it.
func (f *field) appendText(b []byte) []byte {
	start := len(b)
	set := f.set
	if f.star {
		b = append(b, '*')
		if f.step > 1 {
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(f.step), 10)
		}
		for v := f.lo; v <= f.hi; v += max(f.step, 1) {
			set &^= 1 << uint(v)
		}
	}
	set &= fullMask(f.lo, f.hi)
	if first, last, s, ok := progression(set); ok && len(f.special) == 0 && !f.star {
		if last+s > f.hi {
			last = f.hi
		}
		b = strconv.AppendInt(b, int64(first), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(last), 10)
		b = append(b, '/')
		return strconv.AppendInt(b, int64(s), 10)
	}
	sep := func(b []byte) []byte {
		if len(b) > start {
			b = append(b, ',')
		}
		return b
	}
	for set != 0 {
		i := bits.TrailingZeros64(set)
		run := bits.TrailingZeros64(^(set >> uint(i))) // consecutive values from i
		j := i + run - 1
		set &^= (uint64(1)<<uint(run) - 1) << uint(i)
		b = strconv.AppendInt(sep(b), int64(i), 10)
		switch {
		case j-i >= 2:
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(j), 10)
		case j-i == 1:
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(j), 10)
		}
	}
	for _, sp := range f.special {
		b = append(sep(b), sp...)
	}
	return b
}

// progression reports whether the values in set are an arithmetic
// progression of at least three values with a step above 1, and returns
// the first and last values and the step.
func progression(set uint64) (first, last, step int, ok bool) {
	if bits.OnesCount64(set) < 3 {
		return 0, 0, 0, false
	}
	first = bits.TrailingZeros64(set)
	rest := set &^ (1 << uint(first))
	step = bits.TrailingZeros64(rest) - first
	if step < 2 {
		return 0, 0, 0, false
	}
	last = 63 - bits.LeadingZeros64(set)
	for v := first; v <= last; v += step {
		if set&(1<<uint(v)) == 0 {
			return 0, 0, 0, false
		}
	}
	// Exactly the values on the grid: none between them.
	if bits.OnesCount64(set) != (last-first)/step+1 {
		return 0, 0, 0, false
	}
	return first, last, step, true
}
