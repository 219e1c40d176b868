package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestCalendar compares the integer calendar with package time, densely
// from year 1 to 2600 and on random days far outside that range.
func TestCalendar(t *testing.T) {
	t.Parallel()
	check := func(z int64) {
		t.Helper()
		y, m, d := civilFromDays(z)
		if back := daysFromCivil(y, m, d); back != z {
			t.Fatalf("day %d -> %d-%d-%d -> day %d", z, y, m, d, back)
		}
		if sy, sm, sd := civilFromDaysSigned(z); sy != y || sm != m || sd != d {
			t.Fatalf("day %d: fast %d-%d-%d, signed %d-%d-%d", z, y, m, d, sy, sm, sd)
		}
		if s := daysFromCivilSigned(y, m, d); s != z {
			t.Fatalf("%d-%d-%d: signed daysFromCivil = %d, want %d", y, m, d, s, z)
		}
		tm := time.Unix(z*86400, 0).UTC()
		if int64(tm.Year()) != y || int64(tm.Month()) != m || int64(tm.Day()) != d {
			t.Fatalf("day %d: got %d-%d-%d, time says %s", z, y, m, d, tm.Format(time.DateOnly))
		}
		if wd := weekdayOf(z); wd != int(tm.Weekday()) {
			t.Fatalf("day %d (%s): weekday %d, time says %d", z, tm.Format(time.DateOnly), wd, tm.Weekday())
		}
		if n := daysIn(y, m); n != time.Date(int(y), time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			t.Fatalf("daysIn(%d, %d) = %d", y, m, n)
		}
	}
	// Every day from 1800 to 2300, and every 17th day from year 1 to 2600.
	dense0, dense1 := daysFromCivilSigned(1800, 1, 1), daysFromCivilSigned(2300, 12, 31)
	step := int64(1)
	if raceBuild {
		step = 13
	}
	for z := daysFromCivilSigned(1, 1, 1); z <= daysFromCivilSigned(2600, 12, 31); z += step {
		check(z)
		if z < dense0 || z > dense1 {
			z += 16
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 200_000 {
		// Up to about ±2.9 million years, across the fast path's edges.
		check(r.Int64N(2_200_000_000) - 1_100_000_000)
	}
	for _, z := range []int64{nsMinDay - 1, nsMinDay, nsMinDay + 1, nsMaxDay - 1, nsMaxDay, nsMaxDay + 1} {
		check(z)
	}
}
