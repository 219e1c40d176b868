package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestMinInterval(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	tests := []struct {
		expr string
		want time.Duration
	}{
		{"* * * * *", time.Minute},
		{"*/7 * * * *", 4 * time.Minute}, // :56 to the next hour's :00
		{"*/15 * * * *", 15 * time.Minute},
		{"0 * * * *", time.Hour},
		{"0 0,23 * * *", time.Hour},      // 23:00 to 00:00
		{"30 23 * * *", day},             //
		{"0 12 1,15 * 1", day},           // Monday the 14th, then the 15th
		{"30 9 * * 1-5", day},            //
		{"0 17 * * 0", 7 * day},          //
		{"0 0 1 * *", 28 * day},          // 1 Feb to 1 Mar
		{"0 0 31 * *", 31 * day},         // 31 Jul to 31 Aug
		{"0 0 L * *", 28 * day},          // 31 Jan to 28 Feb
		{"0 0 L 2 *", 365 * day},         // 29 Feb 2024 to 28 Feb 2025
		{"0 0 1 1 *", 365 * day},         //
		{"59 23 31 12 *", 365 * day},     //
		{"0 0 29 2 *", 1461 * day},       // four years
		{"0 0 * * 1#2", 28 * day},        //
		{"0 0 * * 5L", 28 * day},         //
		{"0 0 */2 * 1", 7 * day},         // odd-numbered Mondays: 31 Mar, 7 Apr
		{"0 0 1-31/2 * 1", day},          // odd days or Mondays
		{"0 0 15W * *", 0},               // computed by brute force below
		{"0 0,12 * * *", 12 * time.Hour}, //
		{"0,59 0,23 * * *", time.Minute}, // 23:59 to 00:00 the next day
		{"0 0 1,31 * *", day},            // 31st to the 1st
		{"0 0 28-31 2 *", day},           //
		{"30 2 1 1 *", 365 * day},        //
		{"0 0 * 2 1#5", 0},               // computed by brute force below
		{"0 0 1W * 1#1", 0},              //
	}
	for _, tc := range tests {
		s := MustParse(tc.expr, nil)
		want := tc.want
		if bf := bruteMinInterval(mustFields(tc.expr)); want == 0 {
			want = bf
		} else if bf != want {
			t.Errorf("%q: table says %v, brute force says %v", tc.expr, want, bf)
		}
		if got := s.MinInterval(); got != want {
			t.Errorf("Parse(%q).MinInterval() = %v, want %v", tc.expr, got, want)
		}
	}
}

// TestMinIntervalRandom compares MinInterval with brute force on random
// expressions.
func TestMinIntervalRandom(t *testing.T) {
	t.Parallel()
	n := 40
	if raceBuild {
		n = 4
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < n; {
		expr := randExpr(r, nil)
		s, err := Parse(expr, nil)
		if err != nil {
			continue
		}
		i++
		if got, want := s.MinInterval(), bruteMinInterval(mustFields(expr)); got != want {
			t.Errorf("Parse(%q).MinInterval() = %v, brute force says %v", expr, got, want)
		}
	}
}

// bruteMinInterval computes the smallest gap between consecutive fire
// times by testing every day of a 400-year Gregorian cycle (plus the
// first days of the next, to close the cycle) with naiveMatch, and every
// minute of the day with the minute and hour sets.
func bruteMinInterval(fs *fields) time.Duration {
	var times []int // fire times of day, in minutes
	for m := range 24 * 60 {
		if fs.set[fHour]&(1<<(m/60)) != 0 && fs.set[fMinute]&(1<<(m%60)) != 0 {
			times = append(times, m)
		}
	}
	best := -1
	for i := 1; i < len(times); i++ {
		if g := times[i] - times[i-1]; best < 0 || g < best {
			best = g
		}
	}
	span := times[len(times)-1] - times[0]
	// Walk the months of one cycle and 50 more years (enough to reach the
	// first fire day of the next cycle), numbering
	// days from 1 January 2000.
	prev, dayNum := -1, 0
	for i := 0; i < 450*12; i++ {
		y, mo := 2000+i/12, time.Month(i%12+1)
		last := time.Date(y, mo+1, 0, 12, 0, 0, 0, time.UTC).Day()
		first := time.Date(y, mo, 1, 12, 0, 0, 0, time.UTC).Weekday()
		for d := 1; d <= last; d++ {
			if naiveDay(fs, mo, d, last, first) {
				if prev >= 0 {
					if g := (dayNum+d-1-prev)*24*60 - span; best < 0 || g < best {
						best = g
					}
				}
				prev = dayNum + d - 1
			}
		}
		dayNum += last
	}
	return time.Duration(best) * time.Minute
}

// TestMinIntervalDSTDoc pins the example in MinInterval's documentation.
func TestMinIntervalDSTDoc(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	s := MustParse("59 1,2 * * *", ny)
	if got := s.MinInterval(); got != time.Hour {
		t.Errorf("MinInterval() = %v, want 1h", got)
	}
	first := s.Next(time.Date(2025, 3, 9, 0, 0, 0, 0, ny))
	second := s.Next(first)
	if first.Format("15:04 MST") != "01:59 EST" || second.Format("15:04 MST") != "03:00 EDT" || second.Sub(first) != time.Minute {
		t.Errorf("fires at %s then %s, want 01:59 EST then 03:00 EDT", first, second)
	}
}
