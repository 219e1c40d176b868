package schedule

import (
	"runtime"
	"testing"
	"time"
)

// TestZoneTableShared checks that locations loaded separately share one
// zone table, that a different zone with the same name does not, and that
// fixed-offset zones need no table.
func TestZoneTableShared(t *testing.T) {
	a := MustParse("0 9 * * *", mustLoad(t, "Europe/Paris"))
	b := MustParse("0 9 * * *", mustLoad(t, "Europe/Paris"))
	if a.zone == nil || a.zone != b.zone {
		t.Errorf("two loads of Europe/Paris got tables %p and %p, want one shared table", a.zone, b.zone)
	}
	// A location named Europe/Paris with New York's rules must not reuse
	// Paris's table.
	fake := time.FixedZone("Europe/Paris", -5*3600)
	if s := MustParse("0 9 * * *", fake); s.zone != nil || s.fixedOff != -5*3600 {
		t.Errorf("fixed zone named Europe/Paris: zone %p, offset %d; want no table, -18000", s.zone, s.fixedOff)
	}
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if got := MustParse("0 9 * * *", fake).Next(from); got.Format(time.RFC3339) != "2025-06-01T09:00:00-05:00" {
		t.Errorf("Next in fake Paris = %s", got.Format(time.RFC3339))
	}
	for _, name := range []string{"Etc/GMT+5", "UTC"} {
		if s := MustParse("0 9 * * *", mustLoad(t, name)); s.zone != nil {
			t.Errorf("%s: got a zone table, want the fixed-offset path", name)
		}
	}
}

// TestZoneCacheReleased checks that the per-pointer cache entry of a
// location goes away once the location is garbage.
func TestZoneCacheReleased(t *testing.T) {
	count := func() int {
		n := 0
		byPointer.Range(func(_, _ any) bool {
			n++
			return true
		})
		return n
	}
	before := count()
	locs := make([]*time.Location, 50)
	for i := range locs {
		locs[i] = mustLoad(t, "Europe/Rome")
		MustParse("0 9 * * *", locs[i])
	}
	if after := count(); after < before+len(locs) {
		t.Fatalf("cache grew from %d to %d entries, want at least %d more", before, after, len(locs))
	}
	runtime.KeepAlive(locs)
	locs = nil
	for range 100 {
		runtime.GC()
		runtime.Gosched()
		if count() < before+25 {
			return
		}
	}
	t.Errorf("cache still holds %d entries (was %d before loading 50 locations)", count(), before)
}

// TestZoneBoundsWorkaround pins the case of golang/go#81583: on the last
// UTC day of a leap year served by the POSIX rule, Time.ZoneBounds reports
// an end before the instant. slowPeriod must still return the true period.
func TestZoneBoundsWorkaround(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	at := time.Date(2040, 12, 31, 12, 0, 0, 0, time.UTC)
	p := slowPeriod(ny, at.Unix())
	wantStart := time.Date(2040, 11, 4, 6, 0, 0, 0, time.UTC).Unix() // 02:00 EDT -> 01:00 EST
	wantEnd := time.Date(2041, 3, 10, 7, 0, 0, 0, time.UTC).Unix()   // 02:00 EST -> 03:00 EDT
	if p.start != wantStart || p.end != wantEnd || p.off != -5*3600 || p.prevOff != -4*3600 {
		t.Errorf("slowPeriod(%s) = %+v, want [%s, %s) at -05:00 after -04:00", at,
			p, time.Unix(wantStart, 0).UTC(), time.Unix(wantEnd, 0).UTC())
	}
	s := MustParse("0 0 1 1 *", ny)
	if got := s.Next(at).Format(time.RFC3339); got != "2041-01-01T00:00:00-05:00" {
		t.Errorf("Next(%s) = %s", at, got)
	}
	far := time.Date(2104, 12, 31, 12, 0, 0, 0, time.UTC) // outside the cached table
	if got := s.Next(far).Format(time.RFC3339); got != "2105-01-01T00:00:00-05:00" {
		t.Errorf("Next(%s) = %s", far, got)
	}
}
