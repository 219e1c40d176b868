package nlcron

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// fieldStringSpec is field.String as first written, with slices and
// strings.Join: the star head, the values it leaves out (single values,
// pairs and a-b runs), then the special entries; or a-b/s for a
// progression of three or more values.
func fieldStringSpec(f *field) string {
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
	if s, ok := progressionSpec(vals); ok && len(f.special) == 0 && !f.star {
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

func progressionSpec(vals []int) (int, bool) {
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

// TestFieldStringMatchesSpec checks the buffer-based field formatting
// against its specification on random fields of every cron field's
// bounds.
func TestFieldStringMatchesSpec(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	bounds := [][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}, {0, 7}}
	for range 100000 {
		b := bounds[r.IntN(len(bounds))]
		f := &field{lo: b[0], hi: b[1]}
		switch r.IntN(4) {
		case 0: // a few values
			for range 1 + r.IntN(6) {
				f.add(b[0] + r.IntN(b[1]-b[0]+1))
			}
		case 1: // a progression, sometimes broken
			step := 1 + r.IntN(12)
			for v := b[0] + r.IntN(4); v <= b[1]; v += step {
				f.add(v)
			}
			if r.IntN(3) == 0 {
				f.add(b[0] + r.IntN(b[1]-b[0]+1))
			}
		case 2: // dense random
			f.set = r.Uint64() & fullMask(b[0], b[1])
		case 3: // star with a step and extras
			f.star, f.step = true, r.IntN(8)
			for v := b[0]; v <= b[1]; v += max(f.step, 1) {
				f.add(v)
			}
			for range r.IntN(3) {
				f.add(b[0] + r.IntN(b[1]-b[0]+1))
			}
		}
		if r.IntN(8) == 0 {
			f.set |= 1 << uint(b[1]+1+r.IntN(3)) // stray bit outside the bounds
		}
		if r.IntN(6) == 0 {
			f.special = []string{"L", "5#2"}[:1+r.IntN(2)]
		}
		if got, want := f.String(), fieldStringSpec(f); got != want {
			t.Fatalf("%+v: String() = %q, want %q", *f, got, want)
		}
	}
}
