package nlcron

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/nlcron/nlcron/schedule"
)

// cronSemantics is everything that decides when an expression fires, in
// any time zone: the minute, hour and month sets, whether it is a
// wildcard schedule (which changes what happens at DST transitions), and
// which days match in a month of each possible length n whose first day
// is each weekday w. Two expressions fire at exactly the same instants
// if and only if their semantics are equal: every (month, weekday of the
// 1st, length) combination occurs in the Gregorian calendar.
type cronSemantics struct {
	minute, hour, month uint64
	wildcard            bool
	days                [7][4]uint32 // [w][n-28]; zero for lengths no selected month has
}

func semantics(f dFields) cronSemantics {
	s := cronSemantics{minute: f.minute, hour: f.hour, month: f.month, wildcard: f.minuteStar || f.hourStar}
	var need [4]bool
	for mo := 1; mo <= 12; mo++ {
		if f.month&(1<<mo) != 0 {
			for _, n := range dMonthLengths[mo] {
				need[n-28] = true
			}
		}
	}
	for w := range 7 {
		for n := 28; n <= 31; n++ {
			if need[n-28] {
				s.days[w][n-28] = f.dayMask(w, n)
			}
		}
	}
	return s
}

// genSpec describes how to generate one field.
type genSpec struct {
	min, max, last, maxStep int
	names                   []string
	star                    int // percent of bare "*"
}

var genSpecs = [5]genSpec{
	{min: 0, max: 59, last: 59, maxStep: 59, star: 25},
	{min: 0, max: 23, last: 23, maxStep: 23, star: 35},
	{min: 1, max: 31, last: 31, maxStep: 30, star: 50},
	{min: 1, max: 12, last: 12, maxStep: 11, star: 65, names: dMonthRange.names},
	{min: 0, max: 7, last: 6, maxStep: 6, star: 55, names: dDowRange.names},
}

var genMacros = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
	"@always", "@everyminute", "@5minutes", "@10minutes", "@15minutes", "@30minutes", "@Daily", "@HOURLY"}

// genExpr returns a random expression of the schedule dialect: usually
// valid, sometimes one that never fires (callers filter those out).
func genExpr(r *rand.Rand) string {
	if r.IntN(100) == 0 {
		return genMacros[r.IntN(len(genMacros))]
	}
	var parts [5]string
	for i := range parts {
		parts[i] = genField(r, i)
	}
	return strings.Join(parts[:], " ")
}

func genField(r *rand.Rand, field int) string {
	sp := &genSpecs[field]
	if r.IntN(100) < sp.star {
		if (field == 2 || field == 4) && r.IntN(8) == 0 {
			return "?"
		}
		return "*"
	}
	switch r.IntN(10) {
	case 0:
		return "*/" + genStep(r, sp)
	case 1:
		s := "*/" + genStep(r, sp)
		for range 1 + r.IntN(3) {
			s += "," + genElem(r, field)
		}
		return s
	case 2, 3:
		return genValue(r, sp)
	default:
		s := genElem(r, field)
		for range r.IntN(4) {
			s += "," + genElem(r, field)
		}
		return s
	}
}

func genStep(r *rand.Rand, sp *genSpec) string {
	if r.IntN(2) == 0 {
		return strconv.Itoa(1 + r.IntN(min(sp.maxStep, 10)))
	}
	return strconv.Itoa(1 + r.IntN(sp.maxStep))
}

func genElem(r *rand.Rand, field int) string {
	sp := &genSpecs[field]
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		return genValue(r, sp)
	case 4, 5:
		a, b := genPair(r, sp)
		return genName(r, sp, a) + "-" + genName(r, sp, b)
	case 6:
		a, b := genPair(r, sp)
		return genName(r, sp, a) + "-" + genName(r, sp, b) + "/" + genStep(r, sp)
	case 7:
		a := sp.min + r.IntN(sp.last-sp.min+1)
		return genName(r, sp, a) + "/" + genStep(r, sp)
	}
	switch field {
	case 2:
		if r.IntN(3) == 0 {
			return "L"
		}
		return strconv.Itoa(1+r.IntN(31)) + "W"
	case 4:
		d := genName(r, sp, r.IntN(8))
		if r.IntN(2) == 0 {
			return d + "L"
		}
		return d + "#" + strconv.Itoa(1+r.IntN(5))
	}
	return genValue(r, sp)
}

// genPair returns a <= b within the field, often close together.
func genPair(r *rand.Rand, sp *genSpec) (int, int) {
	a := sp.min + r.IntN(sp.max-sp.min+1)
	b := sp.min + r.IntN(sp.max-sp.min+1)
	if r.IntN(2) == 0 {
		b = min(sp.max, a+r.IntN(6))
	}
	if a > b {
		a, b = b, a
	}
	return a, b
}

func genValue(r *rand.Rand, sp *genSpec) string {
	return genName(r, sp, sp.min+r.IntN(sp.max-sp.min+1))
}

// genName writes v as a number or, sometimes, as a name in random case.
func genName(r *rand.Rand, sp *genSpec, v int) string {
	if sp.names == nil || v-sp.min >= len(sp.names) || r.IntN(3) != 0 {
		return strconv.Itoa(v)
	}
	n := sp.names[v-sp.min]
	switch r.IntN(3) {
	case 0:
		return strings.ToLower(n)
	case 1:
		return n[:1] + strings.ToLower(n[1:])
	}
	return n
}

// mutate applies a few random edits to expr, which makes it invalid more
// often than not.
func mutate(r *rand.Rand, expr string) string {
	const alphabet = "0123456789*/,-LW#?@ \tJANMONFRIlw"
	b := []byte(expr)
	for range 1 + r.IntN(3) {
		i := r.IntN(len(b) + 1)
		switch r.IntN(3) {
		case 0:
			if i < len(b) {
				b = slices.Delete(b, i, i+1)
			}
		case 1:
			b = slices.Insert(b, i, alphabet[r.IntN(len(alphabet))])
		default:
			if i < len(b) {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
	}
	return string(b)
}

// validExpr returns a random expression that schedule.Parse accepts.
func validExpr(r *rand.Rand) (string, dFields) {
	for {
		e := genExpr(r)
		if f, err := dParseFields(e); err == nil {
			return e, f
		}
	}
}

// roundTripFailure describes why Parse(Describe(expr)) did not give back
// expr's fire times.
type roundTripFailure struct {
	expr, english, cron, reason string
}

// checkRoundTrip reports whether Parse(Describe(expr)) fires exactly
// when expr does, returning the cron that Parse gave, or a failure. f is
// expr's reading.
func checkRoundTrip(expr string, f dFields) (string, *roundTripFailure) {
	english, err := Describe(expr)
	if err != nil {
		return "", &roundTripFailure{expr: expr, reason: "Describe: " + err.Error()}
	}
	res, err := Parse(english)
	if err != nil {
		return "", &roundTripFailure{expr: expr, english: english, reason: "Parse: " + err.Error()}
	}
	g, err := dParseFields(res.Cron)
	if err != nil {
		return "", &roundTripFailure{expr: expr, english: english, cron: res.Cron, reason: "invalid cron: " + err.Error()}
	}
	want, got := semantics(f), semantics(g)
	if want == got {
		return res.Cron, nil
	}
	var diffs []string
	if want.minute != got.minute {
		diffs = append(diffs, "minutes")
	}
	if want.hour != got.hour {
		diffs = append(diffs, "hours")
	}
	if want.month != got.month {
		diffs = append(diffs, "months")
	}
	if want.wildcard != got.wildcard {
		diffs = append(diffs, fmt.Sprintf("wildcard %v->%v", want.wildcard, got.wildcard))
	}
	if want.days != got.days {
		diffs = append(diffs, "days")
	}
	return "", &roundTripFailure{expr: expr, english: english, cron: res.Cron, reason: "differs in " + strings.Join(diffs, ", ")}
}

// Zones and instants for comparing real fire times: DST changes at 2:00
// (New York), 1:00 UTC (London) and midnight (Santiago, Havana).
var (
	compareZones = []string{"UTC", "America/New_York", "Europe/London", "America/Santiago", "America/Havana"}
	compareFrom  = []time.Time{
		time.Date(2025, 3, 8, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 25, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC),
		time.Date(2028, 4, 1, 0, 0, 0, 0, time.UTC),
	}
)

// compareLocs holds the compare zones, loaded once: the schedule package
// caches its transition tables per *time.Location.
var compareLocs = func() map[string]*time.Location {
	m := map[string]*time.Location{}
	for _, z := range compareZones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			panic(err)
		}
		m[z] = loc
	}
	return m
}()

// compareNext checks with the schedule package itself that a and b give
// the same next fire times from a few instants around DST changes.
func compareNext(a, b string, zone string, n int) error {
	loc := compareLocs[zone]
	sa, err := schedule.Parse(a, loc)
	if err != nil {
		return err
	}
	sb, err := schedule.Parse(b, loc)
	if err != nil {
		return err
	}
	for _, from := range compareFrom {
		ta, tb := from, from
		for i := range n {
			ta, tb = sa.Next(ta), sb.Next(tb)
			if !ta.Equal(tb) {
				return fmt.Errorf("in %s fire %d after %v: %v vs %v", zone, i+1, from, ta, tb)
			}
			if ta.IsZero() {
				break
			}
		}
	}
	return nil
}

var (
	sigNumber = regexp.MustCompile(`\d+(st|nd|rd|th)?`)
	sigName   = regexp.MustCompile(`\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December)\b`)
)

// signature turns a description into its form, for grouping failures:
// "at 9:30 AM and 5:00 PM, only on Monday and Friday" -> "at T, only on
// LIST".
func signature(english string) string {
	s := sigClock.ReplaceAllString(english, "T")
	s = sigNumber.ReplaceAllString(s, "#")
	s = sigName.ReplaceAllString(s, "N")
	s = sigHour.ReplaceAllString(s, "H")
	return sigList.ReplaceAllString(s, "LIST")
}

var (
	sigClock = regexp.MustCompile(`\d+:\d\d [AP]M`)
	sigHour  = regexp.MustCompile(`# [AP]M`)
	sigList  = regexp.MustCompile(`\b([#NHT])((, | and | or | through )(the )?[#NHT]\b)+`)
)

// TestRoundTrip checks on random expressions that Parse reads back
// Describe's English as an expression with the same fire times. The
// comparison is exact (see cronSemantics); for a sample the fire times
// are also compared with the schedule package in zones with DST. The
// expressions come from a fixed seed, in shards that run in parallel.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	type class struct {
		count int
		first *roundTripFailure
	}
	const shards = 4
	var fails [shards][]*roundTripFailure
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(20250309, uint64(shard)))
			for i := range roundTripN / shards {
				expr, f := validExpr(r)
				cron, fail := checkRoundTrip(expr, f)
				if fail == nil && i%roundTripSampleEvery == 0 {
					zone := compareZones[(i/roundTripSampleEvery+shard)%len(compareZones)]
					if err := compareNext(expr, cron, zone, 6); err != nil {
						english, _ := Describe(expr)
						fail = &roundTripFailure{expr: expr, english: english, cron: cron, reason: "schedule disagrees: " + err.Error()}
					}
				}
				if fail != nil {
					fails[shard] = append(fails[shard], fail)
				}
			}
		})
	}
	wg.Wait()
	classes := map[string]*class{}
	failed := 0
	for _, fs := range fails {
		for _, fail := range fs {
			failed++
			key := signature(fail.english)
			if fail.english == "" {
				key = fail.reason
			}
			if c := classes[key]; c != nil {
				c.count++
			} else {
				classes[key] = &class{count: 1, first: fail}
			}
		}
	}
	t.Logf("round trip: %d expressions, %d failed, %d failing forms", roundTripN, failed, len(classes))
	if failed == 0 {
		return
	}
	keys := make([]string, 0, len(classes))
	for k := range classes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(classes[b].count, classes[a].count), cmp.Compare(a, b))
	})
	var b strings.Builder
	for i, k := range keys {
		if i == 40 {
			fmt.Fprintf(&b, "... and %d more forms\n", len(keys)-i)
			break
		}
		c := classes[k]
		fmt.Fprintf(&b, "%6d  %s\n        e.g. %q -> %q -> %q: %s\n", c.count, k, c.first.expr, c.first.english, c.first.cron, c.first.reason)
	}
	t.Errorf("Parse(Describe(e)) fires differently from e for %d of %d expressions (%.2f%%), by form:\n%s",
		failed, roundTripN, 100*float64(failed)/float64(roundTripN), b.String())
}

// roundTripSeeds are the fuzz targets' seeds beyond testdata/fuzz.
var roundTripSeeds = []string{
	"* * * * *", "*/10 * * * 1-5", "0 17 * * 0", "0 0 */2 * 1", "0 0 1-31/2 * 1", "0 0 1,15 * 1",
	"5-59/7 1-3,9 */3 * 2#3", "0 9 15W * *", "0 0 L * *", "0 9 * * 5L", "0 0 25 12 *", "@weekly",
	"0 0-23 * * *", "*/30 9 * * *", "*/20,5 9 * * *", "0 */6,1 * * *", "0 0 1-7 * */2", "0 0 30 2 *",
	"* * ? * MON#2,fri", "15,45 */4 L,1W jan-mar 7",
}

// FuzzRoundTrip checks the round-trip property on arbitrary input: if
// schedule.Parse accepts it, Describe describes it, Parse accepts the
// description and the result fires at exactly the same instants.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range roundTripSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		fields, err := dParseFields(expr)
		if _, serr := schedule.Parse(expr, time.UTC); (err == nil) != (serr == nil) {
			t.Fatalf("%q: Describe's reader error %v, schedule.Parse error %v", expr, err, serr)
		}
		if err != nil {
			return
		}
		cron, fail := checkRoundTrip(expr, fields)
		if fail != nil {
			t.Fatalf("%q -> %q -> %q: %s", fail.expr, fail.english, fail.cron, fail.reason)
		}
		if err := compareNext(expr, cron, "America/New_York", 4); err != nil {
			t.Fatalf("%q -> %q: %v", expr, cron, err)
		}
	})
}

// FuzzDescribe checks Describe alone: it never panics, it accepts exactly
// the expressions schedule.Parse accepts, and it reads them as schedule
// does.
func FuzzDescribe(f *testing.F) {
	for _, s := range roundTripSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		d, err := Describe(expr)
		if err == nil && d == "" {
			t.Fatalf("Describe(%q) is empty", expr)
		}
		checkReader(t, expr)
	})
}
