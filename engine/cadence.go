package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlcron/nlcron/nlcron"
	"github.com/nlcron/nlcron/schedule"
)

// maxCadenceLen bounds the cadence text a schedule accepts.
const maxCadenceLen = 256

// cadence is a validated cadence: the normalised cron expression, its zone
// and the compiled schedule.
type cadence struct {
	cron     string
	loc      *time.Location
	spec     *schedule.Schedule
	warnings []string
}

// parseCadence validates text (a 5-field cron expression or an English
// phrase). loc is the zone to evaluate it in unless the phrase names one;
// zoneGiven says the caller set loc explicitly, in which case a phrase
// naming another zone is refused.
func (e *Engine) parseCadence(text string, loc *time.Location, zoneGiven bool) (*cadence, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, &ValidationError{Field: "cadence", Msg: "is required"}
	case len(text) > maxCadenceLen:
		return nil, &ValidationError{Field: "cadence", Msg: fmt.Sprintf("is longer than %d characters", maxCadenceLen)}
	}
	c := &cadence{loc: loc}
	var cronErr error
	if looksLikeCron(text) {
		c.spec, cronErr = schedule.Parse(text, loc)
	}
	if c.spec == nil {
		res, err := nlcron.Parse(text, nlcron.WithLocation(loc))
		if err != nil {
			if cronErr != nil { // it looked like cron: that error says more
				err = cronErr
			}
			return nil, &ValidationError{Field: "cadence", Msg: errorText(err), Err: err}
		}
		if zoneGiven && res.Location.String() != loc.String() {
			return nil, &ValidationError{Field: "timezone", Msg: fmt.Sprintf("%q conflicts with the zone %q named in the cadence", loc.String(), res.Location.String())}
		}
		c.loc = res.Location
		c.warnings = append(c.warnings, res.Warnings...)
		c.spec, err = schedule.Parse(res.Cron, c.loc)
		if err != nil { // nlcron promises schedule.Parse accepts its output
			return nil, &ValidationError{Field: "cadence", Msg: fmt.Sprintf("internal error: phrase translated to %q: %s", res.Cron, errorText(err)), Err: err}
		}
	}
	c.cron = c.spec.String()

	warning, err := e.cfg.CadencePolicy.Check(e.cfg.MinCadence, c.spec.MinInterval())
	if err != nil {
		return nil, err
	}
	if warning != "" {
		c.warnings = append(c.warnings, warning)
	}
	return c, nil
}

// Check is the engine's verdict on a cadence whose fires can come as close
// together as interval (see [schedule.Schedule.MinInterval]) under a
// minimum cadence of minCadence: what [Engine.CreateSchedule] and
// [Engine.UpdateSchedule] do with it under policy p. When interval is
// shorter than minCadence, Check returns, under [CadenceReject], the
// [*ValidationError] on "cadence" the schedule is refused with, and under
// any other policy (clamp, the default) the warning it is accepted with.
// Otherwise, and when minCadence or interval is not positive (no minimum,
// or a cadence that never fires twice), both results are zero.
func (p CadencePolicy) Check(minCadence, interval time.Duration) (warning string, err error) {
	if minCadence <= 0 || interval <= 0 || interval >= minCadence {
		return "", nil
	}
	if p == CadenceReject {
		return "", &ValidationError{Field: "cadence", Msg: fmt.Sprintf(
			"fires as often as every %s, more often than the minimum cadence of every %s",
			humanDuration(interval), humanDuration(minCadence))}
	}
	return fmt.Sprintf(
		"cadence fires as often as every %s, more often than the minimum of every %s: it will run at most every %s",
		humanDuration(interval), humanDuration(minCadence), humanDuration(minCadence)), nil
}

// errorText is err's message without the package prefixes a user does not
// need.
func errorText(err error) string {
	var pe *nlcron.ParseError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return strings.TrimPrefix(err.Error(), "schedule: ")
}

// looksLikeCron reports whether text should be read as a cron expression
// first: an @-macro, or five fields whose first (the minute) holds only
// cron characters. Phrases such as "5 minutes past every hour" also pass;
// they fall back to the phrase parser when the cron parser refuses them.
func looksLikeCron(text string) bool {
	if strings.HasPrefix(text, "@") {
		return true
	}
	f := strings.Fields(text)
	if len(f) != 5 {
		return false
	}
	return strings.Trim(f[0], "0123456789*/,-") == ""
}

// humanDuration formats d the way the warnings speak: "10 minutes",
// "1 hour 30 minutes", "1 minute 30 seconds", "1 day", "2 days 3 hours".
// A duration that is not a positive whole number of seconds keeps Go's
// notation ("1.5s", "0s").
func humanDuration(d time.Duration) string {
	if d <= 0 || d%time.Second != 0 {
		return d.String()
	}
	var parts []string
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		s := strconv.FormatInt(n, 10) + " " + name
		if n != 1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	unit(int64(d/(24*time.Hour)), "day")
	unit(int64(d%(24*time.Hour)/time.Hour), "hour")
	unit(int64(d%time.Hour/time.Minute), "minute")
	unit(int64(d%time.Minute/time.Second), "second")
	return strings.Join(parts, " ")
}

// loadLocation loads an IANA zone by name. "" and "UTC" are UTC; "Local" is
// refused (it means different things on different machines).
func (e *Engine) loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, &ValidationError{Field: "timezone", Msg: `"Local" is not allowed: name an IANA time zone such as "America/New_York"`}
	}
	return e.specs.location(name)
}

// specCache remembers compiled schedules and loaded zones: the dispatcher
// needs one per due schedule, and time.LoadLocation reads the zone
// database every time. It is bounded; when full it starts over.
type specCache struct {
	mu    sync.Mutex
	specs map[specKey]*schedule.Schedule
	locs  map[string]*time.Location
}

type specKey struct{ cron, zone string }

const maxCachedSpecs = 4096

func (c *specCache) location(name string) (*time.Location, error) {
	c.mu.Lock()
	loc, ok := c.locs[name]
	c.mu.Unlock()
	if ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &ValidationError{Field: "timezone", Msg: fmt.Sprintf("unknown time zone %q", name), Err: err}
	}
	c.mu.Lock()
	if c.locs == nil || len(c.locs) >= maxCachedSpecs {
		c.locs = make(map[string]*time.Location)
	}
	c.locs[name] = loc
	c.mu.Unlock()
	return loc, nil
}

// spec returns the compiled schedule of a stored schedule.
func (e *Engine) spec(s *Schedule) (*schedule.Schedule, error) {
	k := specKey{s.Cron, s.Timezone}
	c := &e.specs
	c.mu.Lock()
	sp, ok := c.specs[k]
	c.mu.Unlock()
	if ok {
		return sp, nil
	}
	loc, err := e.loadLocation(s.Timezone)
	if err != nil {
		return nil, fmt.Errorf("engine: schedule %s: %w", s.ID, err)
	}
	sp, err = schedule.Parse(s.Cron, loc)
	if err != nil {
		return nil, fmt.Errorf("engine: schedule %s: stored cron %q: %w", s.ID, s.Cron, err)
	}
	c.mu.Lock()
	if c.specs == nil || len(c.specs) >= maxCachedSpecs {
		c.specs = make(map[specKey]*schedule.Schedule)
	}
	c.specs[k] = sp
	c.mu.Unlock()
	return sp, nil
}
