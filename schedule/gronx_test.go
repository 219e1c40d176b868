package schedule

import (
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adhocore/gronx"
)

// TestGronxDifferential compares Next with gronx's NextTickAfter on
// 100,000 random expressions and instants in UTC (Prev with PrevTickBefore
// on every eighth), and checks that gronx accepts every expression Parse
// accepts and (on every fourth) its canonical form. gronx takes tens of
// microseconds per call, so the work is split into parallel shards; the
// counts are summed.
//
// Known gronx difference (not a disagreement about cron semantics):
// gronx truncates the reference instant to whole seconds, so for a
// reference like 14:10:00.76 where 14:10 is a fire time, PrevTickBefore
// answers 14:09 although 14:10:00 is strictly before the reference. Such
// cases are counted separately and checked against Prev of the truncated
// instant instead.
func TestGronxDifferential(t *testing.T) {
	t.Parallel()
	total := 100_000
	if raceBuild || testing.Short() {
		total = 4_000
	}
	const shards = 4
	var accepted, rejected, nextAgree, prevChecked, prevAgree, subsecond, orRule, modifiers atomic.Int64
	t.Run("shards", func(t *testing.T) {
		for shard := range shards {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				st := gronxShard(t, uint64(shard), total/shards)
				accepted.Add(st.accepted)
				rejected.Add(st.rejected)
				nextAgree.Add(st.nextAgree)
				prevChecked.Add(st.prevChecked)
				prevAgree.Add(st.prevAgree)
				subsecond.Add(st.subsecond)
				orRule.Add(st.orRule)
				modifiers.Add(st.modifiers)
			})
		}
	})
	t.Logf("expressions: %d accepted (all accepted by gronx; %d use the OR rule, %d use L, W or #), %d rejected by Parse; Next agreed %d/%d; Prev agreed %d/%d, plus %d sub-second references that gronx truncates",
		accepted.Load(), orRule.Load(), modifiers.Load(), rejected.Load(), nextAgree.Load(), accepted.Load(), prevAgree.Load(), prevChecked.Load()-subsecond.Load(), subsecond.Load())
	if accepted.Load() < int64(total) {
		t.Errorf("only %d expressions compared, want %d", accepted.Load(), total)
	}
}

type gronxStats struct {
	accepted, rejected, nextAgree, prevChecked, prevAgree, subsecond int64
	orRule, modifiers                                                int64
}

func gronxShard(t *testing.T, seed uint64, n int) gronxStats {
	var st gronxStats
	r := rand.New(rand.NewPCG(20250309, seed))
	lo := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	failures := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
		if failures++; failures > 20 {
			t.Fatalf("too many disagreements; stopping")
		}
	}
	for i := 0; st.accepted < int64(n); i++ {
		expr := randExpr(r, nil)
		s, err := Parse(expr, nil)
		if err != nil {
			st.rejected++
			continue
		}
		st.accepted++
		fs := mustFields(expr)
		if !fs.star[fDom] && !fs.star[fDow] {
			st.orRule++
		}
		if hasModifiers(fs, fDom) || hasModifiers(fs, fDow) {
			st.modifiers++
		}
		gexpr := expr
		if gronxLacksMacro(expr) {
			gexpr = s.String()
		}
		if !gronx.IsValid(gexpr) {
			fail("gronx rejects %q, which Parse accepts", expr)
		}
		if i%4 == 0 && s.String() != expr && !gronx.IsValid(s.String()) {
			fail("gronx rejects canonical %q of %q", s.String(), expr)
		}
		from := time.Unix(lo+r.Int64N(hi-lo), 0).UTC()
		switch r.IntN(4) {
		case 0:
			from = from.Truncate(time.Minute)
		case 1:
			from = from.Add(time.Duration(r.IntN(1e9)))
		}
		got := s.Next(from)
		if r.IntN(4) == 0 {
			// Also start exactly on a fire time.
			from, got = got, s.Next(got)
		}
		want, gerr := gronx.NextTickAfter(gexpr, from, false)
		switch {
		case gerr != nil:
			fail("gronx.NextTickAfter(%q, %s): %v (Next = %s)", expr, from.Format(time.RFC3339), gerr, got.Format(time.RFC3339))
		case !got.Equal(want):
			fail("Next(%q, %s) = %s, gronx says %s", expr, from.Format(time.RFC3339Nano), got.Format(time.RFC3339), want.Format(time.RFC3339))
		default:
			st.nextAgree++
		}
		if i%8 != 0 {
			continue
		}
		st.prevChecked++
		gotP := s.Prev(from)
		wantP, gerr := gronx.PrevTickBefore(gexpr, from, false)
		truncated := false
		if gerr == nil && !gotP.Equal(wantP) && from.Nanosecond() != 0 && gotP.Equal(from.Truncate(time.Second)) {
			// gronx truncated the reference; see the test's doc comment.
			truncated = true
			gotP = s.Prev(from.Truncate(time.Second))
		}
		switch {
		case gerr != nil:
			fail("gronx.PrevTickBefore(%q, %s): %v (Prev = %s)", expr, from.Format(time.RFC3339), gerr, gotP.Format(time.RFC3339))
		case !gotP.Equal(wantP):
			fail("Prev(%q, %s) = %s, gronx says %s", expr, from.Format(time.RFC3339Nano), gotP.Format(time.RFC3339), wantP.Format(time.RFC3339))
		case truncated:
			st.subsecond++
		default:
			st.prevAgree++
		}
	}
	return st
}

// gronxLacksMacro reports whether expr is @midnight, which the issue and
// Vixie cron define (as "0 0 * * *") but gronx v1.20.4 does not know.
// It is the one expression Parse accepts that gronx rejects; gronx is
// given its canonical form instead.
func gronxLacksMacro(expr string) bool {
	return strings.EqualFold(strings.Trim(expr, " \t"), "@midnight")
}
