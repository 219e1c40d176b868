package memstore

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOrdered checks the chunked sorted set against a sorted slice, with
// enough entries to split chunks many times, inserting both in order and
// at random. With exact keys the inline prefix decides most comparisons
// (ties on the coarse prefix still go to the caller's order); without, every
// tie on created does.
func TestOrdered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ sequential, exact bool }{{true, true}, {false, true}, {true, false}, {false, false}} {
		sequential := tc.sequential
		rng := rand.New(rand.NewPCG(7, 8))
		vals := make([]int, 0, 10000) // slot -> sort key
		less := func(a, b uint32) bool {
			if vals[a] != vals[b] {
				return vals[a] < vals[b]
			}
			return a < b
		}
		ent := func(slot uint32) oent {
			e := oent{created: int64(vals[slot] / 7), slot: slot, exact: tc.exact}
			if tc.exact {
				// Orders like (vals, slot) when it differs, ties otherwise.
				e.pre = uint64(vals[slot]%7) << 8
			}
			return e
		}
		var o ordered
		var model []uint32
		check := func() {
			t.Helper()
			var got []uint32
			o.descend(nil, func(s uint32) bool { got = append(got, s); return true })
			slices.Reverse(got)
			if !slices.Equal(got, model) || o.n != len(model) {
				t.Fatalf("%+v: set = %v (n %d), want %v", tc, got, o.n, model)
			}
			for _, c := range o.chunks {
				if len(c) == 0 || len(c) > orderedChunk {
					t.Fatalf("chunk of %d entries", len(c))
				}
			}
			// Bounded walks start just below the bound, and stop on request.
			if len(model) > 0 {
				bound := model[rng.IntN(len(model))]
				var below []uint32
				o.descend(func(s uint32) bool { return less(s, bound) }, func(s uint32) bool {
					below = append(below, s)
					return len(below) < 5
				})
				i, _ := slices.BinarySearchFunc(model, bound, func(a, b uint32) int {
					if less(a, b) {
						return -1
					}
					if less(b, a) {
						return 1
					}
					return 0
				})
				want := slices.Clone(model[max(0, i-5):i])
				slices.Reverse(want)
				if !slices.Equal(below, want) {
					t.Fatalf("descend below %d = %v, want %v", bound, below, want)
				}
			}
		}
		for step := range 6000 {
			if len(model) == 0 || rng.IntN(4) != 0 {
				slot := uint32(len(vals))
				v := rng.IntN(500)
				if sequential {
					v = step
				}
				vals = append(vals, v)
				o.insert(ent(slot), less)
				i, _ := slices.BinarySearchFunc(model, slot, func(a, b uint32) int {
					if less(a, b) {
						return -1
					}
					return 1
				})
				model = slices.Insert(model, i, slot)
			} else {
				i := rng.IntN(len(model))
				if !o.remove(ent(model[i]), less) {
					t.Fatalf("remove(%d) = false", model[i])
				}
				model = slices.Delete(model, i, i+1)
			}
			if step%97 == 0 {
				check()
			}
		}
		check()
		vals = append(vals, 250)
		if o.remove(ent(uint32(len(vals)-1)), less) {
			t.Error("remove of an absent slot reported true")
		}
	}
}
