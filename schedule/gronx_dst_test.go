package schedule

import (
	"testing"
	"time"

	"github.com/adhocore/gronx"
)

// TestGronxDST documents where gronx v1.20.4 and this package part ways
// around DST transitions. Our answers follow the policy in doc.go and are
// cross-checked by the brute-force oracle (TestOracleDST); gronx's answers
// are pinned so that this table stays true for the version in go.mod.
func TestGronxDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, expr, from string
		want, gronx      string
		why              string
	}{
		{
			"Europe/London", "30 1 * * *", "2025-10-25T23:00:00+01:00",
			"2025-10-26T01:30:00+01:00", "2025-10-26T01:30:00Z",
			"gronx bug: the wall clock first shows 01:30 at 01:30 BST (00:30Z), but gronx answers " +
				"the second occurrence an hour later, skipping the first; wrong under any DST policy",
		},
		{
			"Europe/Berlin", "30 2 * * *", "2025-10-26T00:00:00+02:00",
			"2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00",
			"same gronx bug in Berlin: it skips 02:30 CEST and answers 02:30 CET",
		},
		{
			"Australia/Sydney", "30 2 * * *", "2025-04-06T00:00:00+11:00",
			"2025-04-06T02:30:00+11:00", "2025-04-06T02:30:00+10:00",
			"same gronx bug in Sydney: it skips 02:30 AEDT and answers 02:30 AEST",
		},
		{
			"America/New_York", "30 2 * * *", "2025-03-08T23:00:00-05:00",
			"2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00",
			"policy: 02:30 does not exist on 9 March; Vixie cron (and we) run fixed-time jobs " +
				"at the end of the gap, gronx skips the day",
		},
		{
			"America/New_York", "30 1 * * *", "2025-11-02T01:34:00-04:00",
			"2025-11-03T01:30:00-05:00", "2025-11-02T01:30:00-05:00",
			"policy: a fixed-time job already ran at 01:30 EDT; Vixie cron (and we) do not run it " +
				"again in the repeated hour, gronx does",
		},
		{
			"America/Havana", "0 0 * * *", "2025-03-08T21:00:00-05:00",
			"2025-03-09T01:00:00-04:00", "2025-03-10T00:00:00-04:00",
			"policy: midnight does not exist on 9 March in Havana; we run at 01:00, the first " +
				"instant after the gap, gronx skips the day",
		},
	}
	for _, tc := range tests {
		loc := mustLoad(t, tc.zone)
		from, err := time.Parse(time.RFC3339, tc.from)
		if err != nil {
			t.Fatal(err)
		}
		from = from.In(loc)
		if got := MustParse(tc.expr, loc).Next(from).Format(time.RFC3339); got != tc.want {
			t.Errorf("%s %q: Next(%s) = %s, want %s", tc.zone, tc.expr, tc.from, got, tc.want)
		}
		g, err := gronx.NextTickAfter(tc.expr, from, false)
		if err != nil {
			t.Errorf("gronx.NextTickAfter(%q, %s): %v", tc.expr, tc.from, err)
		} else if got := g.Format(time.RFC3339); got != tc.gronx {
			t.Errorf("%s %q: gronx now answers %s (table says %s); update this table and the report", tc.zone, tc.expr, got, tc.gronx)
		}
	}
}
