package nlcron

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ambiguousZones maps abbreviations that people write for zones to the
// IANA zones they may mean. Parse refuses them rather than guess: an
// abbreviation also hides whether daylight saving applies.
var ambiguousZones = map[string][]string{
	"est": {"America/New_York"}, "edt": {"America/New_York"}, "et": {"America/New_York"},
	"cst": {"America/Chicago", "Asia/Shanghai", "America/Havana"}, "cdt": {"America/Chicago"}, "ct": {"America/Chicago"},
	"mst": {"America/Denver", "America/Phoenix"}, "mdt": {"America/Denver"}, "mt": {"America/Denver"},
	"pst": {"America/Los_Angeles", "Asia/Manila"}, "pdt": {"America/Los_Angeles"}, "pt": {"America/Los_Angeles"},
	"akst": {"America/Anchorage"}, "hst": {"Pacific/Honolulu"},
	"ist": {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"},
	"bst": {"Europe/London", "Asia/Dhaka"},
	"cet": {"Europe/Paris", "Europe/Berlin"}, "cest": {"Europe/Paris", "Europe/Berlin"},
	"eet": {"Europe/Athens", "Europe/Helsinki"}, "eest": {"Europe/Athens", "Europe/Helsinki"},
	"msk": {"Europe/Moscow"}, "jst": {"Asia/Tokyo"}, "kst": {"Asia/Seoul"},
	"aest": {"Australia/Sydney", "Australia/Brisbane"}, "aedt": {"Australia/Sydney"},
	"acst": {"Australia/Adelaide", "Australia/Darwin"}, "awst": {"Australia/Perth"},
	"nzst": {"Pacific/Auckland"}, "nzdt": {"Pacific/Auckland"},
	"sgt": {"Asia/Singapore"}, "hkt": {"Asia/Hong_Kong"},
	"ast": {"America/Halifax", "Asia/Riyadh"}, "adt": {"America/Halifax"},
	"nst": {"America/St_Johns"}, "brt": {"America/Sao_Paulo"}, "sast": {"Africa/Johannesburg"},
	"pkt": {"Asia/Karachi"}, "pht": {"Asia/Manila"},
	// The names of North American zones ("9am Eastern", "Pacific time").
	"eastern": {"America/New_York"}, "central": {"America/Chicago"},
	"mountain": {"America/Denver", "America/Phoenix"}, "pacific": {"America/Los_Angeles"},
}

// zoneError is a resolveZone failure, converted by the caller.
type zoneError struct {
	err        error
	Msg        string
	Suggestion string
}

// resolveZone turns a zone as written into a location. Fixed whole-hour
// offsets become Etc/GMT zones (note the inverted sign: UTC+9 is
// Etc/GMT-9); other offsets become a fixed zone named like "UTC+05:30".
func resolveZone(name string) (*time.Location, *zoneError) {
	low := strings.ToLower(name)
	switch low {
	case "utc", "gmt", "z", "zulu":
		return time.UTC, nil
	}
	if zs, ok := ambiguousZones[low]; ok {
		kind := "the abbreviation"
		if len(low) > 4 { // "eastern", "pacific"
			kind = "the zone name"
		}
		msg := fmt.Sprintf("%s %q does not say which zone or whether daylight saving applies; write the IANA name (%s)", kind, name, strings.Join(zs, " or "))
		return nil, &zoneError{err: ErrAmbiguousZone, Msg: msg, Suggestion: zs[0]}
	}
	if off, ok := parseOffset(low); ok {
		return offsetZone(off), nil
	}
	if strings.Contains(name, "/") {
		if loc, err := loadLocation(name); err == nil {
			return loc, nil
		}
		if fixed := titleZone(name); fixed != name {
			if loc, err := loadLocation(fixed); err == nil {
				return loc, nil
			}
		}
		return nil, &zoneError{err: ErrUnknownZone, Msg: fmt.Sprintf("unknown time zone %q", name), Suggestion: suggestZone(name)}
	}
	return nil, &zoneError{err: ErrUnknownZone, Msg: fmt.Sprintf("unknown time zone %q", name)}
}

//go:generate go run gen_zones.go

// suggestZone returns the IANA zone name closest to a misspelt one
// ("Europe/Londn": "Europe/London"), compared without case and with "_"
// and " " alike, or "" when none is close: at most one edit in five
// letters.
func suggestZone(name string) string {
	want := zoneKey(name)
	limit := max(1, len(want)/5)
	best, bestD := "", limit+1
	for _, z := range zoneNames {
		if d := editDistance(want, zoneKey(z), bestD); d < bestD {
			best, bestD = z, d
		}
	}
	if best == "" {
		return ""
	}
	if _, err := loadLocation(best); err != nil {
		return "" // a name this machine's tzdata does not have
	}
	return best
}

// zoneKey is a zone name as suggestZone compares it.
func zoneKey(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), " ", "_")
}

// zoneCacheMax bounds zoneCache; when it is full it starts again empty.
const zoneCacheMax = 1024

// zoneCache maps IANA names that time.LoadLocation accepted to their
// locations. Loading reads and decodes the zone's tzdata each time (tens
// of microseconds, more than the rest of Parse), and a *time.Location
// never changes once loaded, so it can be shared. Failures are not cached.
var zoneCache struct {
	sync.Mutex
	m map[string]*time.Location
}

// loadLocation is time.LoadLocation through zoneCache.
func loadLocation(name string) (*time.Location, error) {
	zoneCache.Lock()
	loc, ok := zoneCache.m[name]
	zoneCache.Unlock()
	if ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Lock()
	if zoneCache.m == nil || len(zoneCache.m) >= zoneCacheMax {
		zoneCache.m = make(map[string]*time.Location)
	}
	zoneCache.m[name] = loc
	zoneCache.Unlock()
	return loc, nil
}

// parseOffset reads "utc+9", "gmt-05:30", "+0530", "+9" into seconds east
// of UTC.
func parseOffset(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "utc"), "gmt")
	s = strings.ReplaceAll(s, "−", "-")
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	body := strings.ReplaceAll(s[1:], ":", "")
	var h, m int
	switch len(body) {
	case 1, 2:
		h, _ = strconv.Atoi(body)
	case 3, 4:
		h, _ = strconv.Atoi(body[:len(body)-2])
		m, _ = strconv.Atoi(body[len(body)-2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// offsetZone returns the location for a fixed offset in seconds.
func offsetZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%3600 == 0 && off >= -12*3600 && off <= 14*3600 {
		// Etc/GMT zones count the other way round.
		name := fmt.Sprintf("Etc/GMT%+d", -off/3600)
		if loc, err := loadLocation(name); err == nil {
			return loc
		}
	}
	sign := '+'
	a := off
	if off < 0 {
		sign, a = '-', -off
	}
	return time.FixedZone(fmt.Sprintf("UTC%c%02d:%02d", sign, a/3600, a%3600/60), off)
}

// titleZone capitalises each word of a zone name: "america/new_york" ->
// "America/New_York".
func titleZone(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, ch := range b {
		if up && ch >= 'a' && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
		up = ch == '/' || ch == '_' || ch == '-'
	}
	out := string(b)
	// Etc/GMT+5 style names keep GMT/UTC upper case.
	out = strings.NewReplacer("/Gmt", "/GMT", "/Utc", "/UTC").Replace(out)
	return out
}
