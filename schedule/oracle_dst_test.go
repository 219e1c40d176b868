package schedule

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dstZones are the zones whose transitions the tests pin: each entry
// names the years whose transitions are checked.
var dstZones = []struct {
	name  string
	years []int
}{
	{"America/New_York", []int{2025}},
	{"Europe/London", []int{2025}},
	{"Europe/Berlin", []int{2025}},
	{"Australia/Sydney", []int{2025}},
	{"Australia/Lord_Howe", []int{2025}}, // 30-minute shift
	{"America/Sao_Paulo", []int{2018}},   // midnight skipped 2018-11-04
	{"America/Havana", []int{2025}},      // midnight skipped, 01:00 repeated as 00:00
}

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// transitionsIn finds the instants in year y at which loc's offset changes,
// using nothing but Time.Zone.
func transitionsIn(loc *time.Location, y int) []time.Time {
	var out []time.Time
	offAt := func(t time.Time) int { _, o := t.In(loc).Zone(); return o }
	t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for ; t.Before(end); t = t.Add(time.Hour) {
		n := t.Add(time.Hour)
		if offAt(t) != offAt(n) {
			lo, hi := t, n
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if offAt(mid) == offAt(lo) {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, hi)
		}
	}
	return out
}

// dstExprs are hand-picked expressions that stress transitions.
var dstExprs = []string{
	"30 2 * * *", "0,30 2 * * *", "30 1 * * *", "0 1 * * *", "0 0 * * *", "30 0 * * *", "59 23 * * *",
	"*/30 * * * *", "15 * * * *", "0 */2 * * *", "*/20 1-3 * * *", "0 2,3 * * *", "30 2-3 * * *",
	"45 1,2 * * *", "* 2 * * *", "0 0 * * 0", "0 2 * * 0", "30 2 8-14 3 0", "0 0 L * *", "0 2 * * 0L",
	"0,15,30,45 0-3 * * *", "5 0 * * *", "0 23 * * *", "0-59/7 1 * * *", "*/15 0 * * *", "0 1-2/1 * * *",
}

func TestOracleDST(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	nRandom := 60
	if raceBuild {
		nRandom = 6
	}
	for _, z := range dstZones {
		loc := mustLoad(t, z.name)
		for _, y := range z.years {
			for _, tr := range transitionsIn(loc, y) {
				from, to := tr.Add(-14*time.Hour), tr.Add(14*time.Hour)
				exprs := append([]string(nil), dstExprs...)
				for len(exprs) < len(dstExprs)+nRandom {
					l := tr.In(loc)
					h := l.Hour()
					e := randExpr(r, []int{h, (h + 23) % 24, (h + 1) % 24, 0})
					if _, err := Parse(e, loc); err == nil {
						exprs = append(exprs, e)
					}
				}
				for _, e := range exprs {
					checkAgainstOracle(t, e, loc, from, to, r)
				}
			}
		}
	}
}

// checkAgainstOracle compares All, Next and Prev with the oracle on [from, to).
func checkAgainstOracle(t *testing.T, expr string, loc *time.Location, from, to time.Time, r *rand.Rand) {
	t.Helper()
	s, err := Parse(expr, loc)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	want := oracleFires(mustFields(expr), loc, from, to)
	var got []time.Time
	for f := range s.All(from.Add(-time.Nanosecond)) {
		if !f.Before(to) {
			break
		}
		got = append(got, f)
	}
	name := fmt.Sprintf("%q in %s [%s, %s)", expr, loc, from.Format(time.RFC3339), to.Format(time.RFC3339))
	if diff := cmp.Diff(fmtTimes(want), fmtTimes(got)); diff != "" {
		t.Errorf("%s: fire times mismatch (-oracle +All):\n%s", name, diff)
		return
	}
	for i := 1; i < len(want); i++ {
		if p := s.Prev(want[i]); !p.Equal(want[i-1]) {
			t.Errorf("%s: Prev(%s) = %s, want %s", name, want[i].Format(time.RFC3339), p.Format(time.RFC3339), want[i-1].Format(time.RFC3339))
		}
	}
	// Random probes, including ones on fire instants and minute boundaries.
	for range 20 {
		q := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
		switch r.IntN(3) {
		case 0:
			q = q.Truncate(time.Minute)
		case 1:
			if len(want) > 0 {
				q = want[r.IntN(len(want))]
			}
		}
		if i := firstAfter(want, q); i < len(want) {
			if n := s.Next(q); !n.Equal(want[i]) {
				t.Errorf("%s: Next(%s) = %s, want %s", name, q.Format(time.RFC3339Nano), n.Format(time.RFC3339), want[i].Format(time.RFC3339))
			}
		}
		if i := firstAfter(want, q.Add(-time.Nanosecond)) - 1; i >= 0 && q.Sub(from) > 0 {
			// want[i] is the last fire strictly before q, if the window
			// holds it; Prev must not return anything in between.
			if p := s.Prev(q); !p.Equal(want[i]) {
				t.Errorf("%s: Prev(%s) = %s, want %s", name, q.Format(time.RFC3339Nano), p.Format(time.RFC3339), want[i].Format(time.RFC3339))
			}
		}
	}
}

// firstAfter returns the index of the first time in ts strictly after q.
func firstAfter(ts []time.Time, q time.Time) int {
	for i, x := range ts {
		if x.After(q) {
			return i
		}
	}
	return len(ts)
}

func fmtTimes(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, x := range ts {
		out[i] = x.Format("2006-01-02T15:04:05Z07:00 MST")
	}
	return out
}

// TestOracleOutsideTable checks transitions before and after the cached
// zone table (1970-2100), where lookups fall back to the time package,
// and around the table's edges.
func TestOracleOutsideTable(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		zone  string
		years []int
	}{
		{"America/New_York", []int{1950, 1969, 1970, 2099, 2100, 2150}},
		{"Europe/London", []int{1968, 1971, 2160}},
		{"Australia/Lord_Howe", []int{2120}},
	}
	exprs := dstExprs
	if raceBuild {
		exprs = exprs[:6]
	}
	for _, c := range cases {
		loc := mustLoad(t, c.zone)
		for _, y := range c.years {
			for _, tr := range transitionsIn(loc, y) {
				for _, e := range exprs {
					checkAgainstOracle(t, e, loc, tr.Add(-6*time.Hour), tr.Add(6*time.Hour), r)
				}
			}
		}
	}
}

// TestExtremeInstants checks that Next and Prev behave at the edges of
// time.Time's useful range.
func TestExtremeInstants(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	for _, loc := range []*time.Location{time.UTC, ny} {
		for _, e := range []string{"* * * * *", "0 0 29 2 *", "0 0 * * 1#5", "0 0 L 2 *"} {
			s := MustParse(e, loc)
			for _, q := range []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1600, 2, 28, 0, 0, 0, 0, loc), time.Date(9999, 12, 1, 0, 0, 0, 0, loc), time.Date(-4000, 1, 1, 0, 0, 0, 0, time.UTC)} {
				n := s.Next(q)
				if !n.After(q) {
					t.Errorf("%q in %s: Next(%s) = %s, not after", e, loc, q, n)
				}
				if p := s.Prev(n); !p.Before(n) || !s.Next(p).Equal(n) {
					t.Errorf("%q in %s: Prev(%s) = %s, Next of which is %s", e, loc, n, p, s.Next(p))
				}
			}
		}
	}
}

// TestPeriodJump compares Next and Prev with and without period skipping
// on random expressions and instants in zones with DST, from 1975 to 2095,
// and checks the skipping path against the oracle on long windows for
// sparse expressions.
func TestPeriodJump(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	n := 20_000
	if raceBuild {
		n = 2_000
	}
	var locs []*time.Location
	for _, z := range dstZones {
		locs = append(locs, mustLoad(t, z.name))
	}
	lo := time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2095, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := 0; i < n; i++ {
		loc := locs[r.IntN(len(locs))]
		expr := randExpr(r, []int{0, 1, 2, 3})
		s, err := Parse(expr, loc)
		if err != nil {
			continue
		}
		q := time.Unix(lo+r.Int64N(hi-lo), 0).In(loc)
		if got, want := s.next(q, true), s.next(q, false); !got.Equal(want) {
			t.Fatalf("%q in %s: Next(%s) = %s with skipping, %s without", expr, loc, q, got, want)
		}
		if got, want := s.prev(q, true), s.prev(q, false); !got.Equal(want) {
			t.Fatalf("%q in %s: Prev(%s) = %s with skipping, %s without", expr, loc, q, got, want)
		}
	}
	// Sparse expressions whose fires are months apart, across transitions.
	ny := mustLoad(t, "America/New_York")
	from := time.Date(2025, 1, 20, 0, 0, 0, 0, ny)
	to := from.AddDate(0, 11, 0)
	exprs := []string{"30 2 L * *", "0 0 1 3,11 *", "*/30 1 * * 0#1", "30 1 2 11 *", "0 2 9 3 *"}
	if raceBuild {
		exprs = exprs[:2]
	}
	for _, e := range exprs {
		checkAgainstOracle(t, e, ny, from, to, r)
	}
}

// TestOracleRandom checks random expressions at random instants between
// 1990 and 2060 in assorted zones against the oracle over 30-hour windows.
func TestOracleRandom(t *testing.T) {
	t.Parallel()
	zones := []string{"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Havana",
		"Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Asia/Tehran"}
	r := rand.New(rand.NewPCG(13, 14))
	n := 300
	if raceBuild {
		n = 30
	}
	lo := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := 0; i < n; {
		loc := mustLoad(t, zones[r.IntN(len(zones))])
		expr := randExpr(r, nil)
		if _, err := Parse(expr, loc); err != nil {
			continue
		}
		i++
		from := time.Unix(lo+r.Int64N(hi-lo), 0)
		checkAgainstOracle(t, expr, loc, from, from.Add(30*time.Hour), r)
	}
}
