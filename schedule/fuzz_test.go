package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/adhocore/gronx"
)

// FuzzParse checks that Parse never panics, that every error is a
// *ParseError wrapping one sentinel, and that every accepted expression
// has a canonical form that parses to the same schedule, is a fixed point,
// and is accepted by gronx, as is the expression itself.
func FuzzParse(f *testing.F) {
	for _, e := range append(append([]string{}, benchExprs...), dstExprs...) {
		f.Add(e)
	}
	for _, e := range []string{"@daily", "@midnight", "0 0 30 2 *", "*/0 * * * *", "0 0 15W,L * 5L,1#3", "0 0 ? * mon-fri", "", "@", "* * * * * *", "5-1 * * * *", "0 0 */2 * 1"} {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr, nil)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", expr, err)
			}
			n := 0
			for _, sentinel := range []error{ErrSyntax, ErrRange, ErrStep, ErrNeverFires} {
				if errors.Is(err, sentinel) {
					n++
				}
			}
			if n != 1 || pe.Expr != expr || pe.Msg == "" {
				t.Fatalf("Parse(%q) error %#v is malformed", expr, pe)
			}
			return
		}
		c := s.String()
		s2, err := Parse(c, nil)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, expr, err)
		}
		if *s2 != *s {
			t.Fatalf("canonical %q of %q parses to a different schedule", c, expr)
		}
		if !gronxLacksMacro(expr) && !gronx.IsValid(expr) {
			t.Errorf("gronx rejects %q, which Parse accepts", expr)
		}
		if !gronx.IsValid(c) {
			t.Errorf("gronx rejects canonical %q", c)
		}
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		n := s.Next(from)
		if !n.After(from) {
			t.Fatalf("Next(%s) of %q = %s, not after", from, expr, n)
		}
		if p := s.Prev(n); !p.Before(n) || s.Next(p) != n {
			t.Fatalf("%q: Prev(%s) = %s, whose Next is %s", expr, n, p, s.Next(p))
		}
	})
}

// fuzzZones are the zones FuzzNext draws from.
var fuzzZones = []string{"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Havana", "America/Sao_Paulo", "Asia/Kolkata"}

// FuzzNext compares Next, Prev and All with the brute-force oracle over a
// 30-hour window starting at a fuzzed instant between 2000 and 2040, in a
// fuzzed zone, and checks that All is strictly increasing.
func FuzzNext(f *testing.F) {
	seeds := []struct {
		expr string
		sec  int64
		zone uint8
	}{
		{"30 2 * * *", time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC).Unix(), 1},
		{"30 1 * * *", time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC).Unix(), 1},
		{"*/30 * * * *", time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC).Unix(), 2},
		{"0 2 * * *", time.Date(2025, 10, 4, 10, 0, 0, 0, time.UTC).Unix(), 3},
		{"0 0 * * *", time.Date(2025, 3, 8, 20, 0, 0, 0, time.UTC).Unix(), 4},
		{"0 0 * * *", time.Date(2018, 11, 3, 20, 0, 0, 0, time.UTC).Unix(), 5},
		{"0 0 L * 5L", time.Date(2024, 2, 27, 0, 0, 0, 0, time.UTC).Unix(), 0},
		{"15 */3 1W,15 * 1#2", time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC).Unix(), 6},
	}
	for _, s := range seeds {
		f.Add(s.expr, s.sec, s.zone)
	}
	lo := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	locs := make([]*time.Location, len(fuzzZones))
	for i, name := range fuzzZones {
		locs[i] = mustLoad(f, name)
	}
	f.Fuzz(func(t *testing.T, expr string, sec int64, zone uint8) {
		loc := locs[int(zone)%len(locs)]
		s, err := Parse(expr, loc)
		if err != nil {
			return
		}
		if sec < lo || sec >= hi {
			sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		}
		from := time.Unix(sec, 0).In(loc)
		to := from.Add(30 * time.Hour)
		want := oracleFires(mustFields(expr), loc, from.Add(time.Second), to)
		prev := from
		i := 0
		for got := range s.All(from) {
			if !got.After(prev) {
				t.Fatalf("%q in %s: All not increasing: %s after %s", expr, loc, got, prev)
			}
			if !got.Before(to) {
				break
			}
			if i >= len(want) || !got.Equal(want[i]) {
				t.Fatalf("%q in %s from %s: fire %d = %s, oracle %v", expr, loc, from, i, got, fmtTimes(want))
			}
			if i > 0 && !s.Prev(got).Equal(want[i-1]) {
				t.Fatalf("%q in %s: Prev(%s) = %s, want %s", expr, loc, got, s.Prev(got), want[i-1])
			}
			prev = got
			i++
		}
		if i != len(want) {
			t.Fatalf("%q in %s from %s: All stopped after %d fires, oracle %v", expr, loc, from, i, fmtTimes(want))
		}
	})
}
