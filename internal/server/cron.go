package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/nlcron"
	"github.com/nlcron/nlcron/schedule"
)

// maxPhraseLen bounds the text text-to-cron reads.
const maxPhraseLen = 1024

// nextRunCount is how many fire times text-to-cron lists.
const nextRunCount = 5

// cronAnswer is text-to-cron's answer: the cron in data, as upstream, plus
// extension fields.
type cronAnswer struct {
	Data        string   `json:"data"`
	Timezone    string   `json:"timezone"`
	Description string   `json:"description"`
	NextRuns    []string `json:"next_runs"`
	Warnings    []string `json:"warnings"`
}

// phraseError is text-to-cron's 400 answer: detail as upstream, plus an
// extension object locating the problem for the playground page.
type phraseError struct {
	Detail   string         `json:"detail"`
	Location phraseLocation `json:"error"`
}

type phraseLocation struct {
	// Position is the 1-based position, in characters (code points), of
	// the first character of Text; 0 when the error concerns the whole
	// phrase.
	Position int `json:"position"`
	// Offset is the byte offset of Text in the phrase.
	Offset int `json:"offset"`
	// Length is the length of Text in characters.
	Length     int     `json:"length"`
	Text       string  `json:"text"`
	Message    string  `json:"message"`
	Suggestion *string `json:"suggestion"`
}

func (e *phraseError) Error() string { return e.Detail }

// zones caches loaded locations by name (only names that loaded).
var zones sync.Map

func loadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, errors.New("unknown time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

func (s *Server) textToCron(w http.ResponseWriter, r *http.Request, _ string) error {
	ans, err := s.answerTextToCron(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// playgroundTextToCron is text-to-cron for the playground page, without an
// API key; it is rate limited per client address.
func (s *Server) playgroundTextToCron(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.ipLimit.allow(clientAddr(r)); !ok {
		s.writeError(w, r, resNone, tooManyRequests(wait))
		return
	}
	ans, err := s.answerTextToCron(r)
	if err != nil {
		s.writeError(w, r, resNone, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// answerTextToCron answers a text-to-cron request.
func (s *Server) answerTextToCron(r *http.Request) (*cronAnswer, error) {
	q := newQuery(r)
	text, ok := q.get("cron")
	if !ok {
		q.fail("cron", msgMissing, typeMissing)
	} else if len(text) > maxPhraseLen {
		q.fail("cron", fmt.Sprintf("String should have at most %d characters", maxPhraseLen), typeStringLen)
	}
	loc := time.UTC
	if tz, ok := q.get("timezone"); ok && tz != "" {
		l, err := loadZone(tz)
		if err != nil {
			q.fail("timezone", fmt.Sprintf("Unknown time zone %q; use an IANA name such as America/New_York", tz), typeValue)
		} else {
			loc = l
		}
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	tr, err := s.translations.get(text, loc)
	if err != nil {
		return nil, err
	}
	cron, zone, warnings, sched, desc := tr.cron, tr.zone, tr.warnings, tr.sched, tr.desc
	ans := &cronAnswer{
		Data: cron, Timezone: zone.String(), Description: desc,
		NextRuns: []string{}, Warnings: append([]string{}, warnings...),
	}
	t := s.now()
	for range nextRunCount {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		ans.NextRuns = append(ans.NextRuns, t.UTC().Format(time.RFC3339))
	}
	if w := s.cadenceWarning(sched); w != "" {
		ans.Warnings = append(ans.Warnings, w)
	}
	return ans, nil
}

// cadenceWarning is the engine's verdict on sched under the configured
// minimum cadence and policy, as a text-to-cron warning: the warning a
// schedule with this cadence would be created with, or why it would be
// refused. It is "" when the cadence respects the minimum.
func (s *Server) cadenceWarning(sched *schedule.Schedule) string {
	warning, err := s.cfg.CadencePolicy.Check(s.cfg.MinCadence, sched.MinInterval())
	if err == nil {
		return warning
	}
	why := err.Error()
	if ve, ok := errors.AsType[*engine.ValidationError](err); ok {
		why = ve.Field + " " + ve.Msg // "cadence fires as often as ..."
	}
	return "a schedule with this cadence would be refused: " + why
}

// translation is the part of a text-to-cron answer that does not depend on
// the time of the request.
type translation struct {
	cron     string
	zone     *time.Location
	warnings []string
	sched    *schedule.Schedule
	desc     string
}

// translationCache remembers recent translations: the playground asks for
// the same phrases over and over as people type, and parsing a phrase costs
// far more than answering. Refusals are cached too. When full, it is
// emptied (cheap, and a working set refills it quickly).
type translationCache struct {
	mu sync.Mutex
	m  map[translationKey]translationEntry
}

type translationKey struct{ text, zone string }

type translationEntry struct {
	tr  *translation
	err error
}

const translationCacheSize = 4096

func (c *translationCache) get(text string, loc *time.Location) (*translation, error) {
	key := translationKey{text, loc.String()}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return e.tr, e.err
	}
	tr, err := translate(text, loc)
	var pe *phraseError
	if err != nil && !errors.As(err, &pe) {
		return nil, err // an internal error: do not keep it
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= translationCacheSize {
		c.m = make(map[translationKey]translationEntry)
	}
	c.m[key] = translationEntry{tr, err}
	c.mu.Unlock()
	return tr, err
}

// translate computes a translation.
func translate(text string, loc *time.Location) (*translation, error) {
	cron, zone, warnings, err := toCron(text, loc)
	if err != nil {
		return nil, err
	}
	sched, err := schedule.Parse(cron, zone)
	if err != nil {
		// The phrase parser promises crons that schedule.Parse accepts.
		return nil, fmt.Errorf("server: parse translated cron %q: %w", cron, err)
	}
	desc, err := nlcron.Describe(cron)
	if err != nil {
		desc = ""
	}
	return &translation{cron: cron, zone: zone, warnings: warnings, sched: sched, desc: desc}, nil
}

// toCron turns text into a cron expression: an expression schedule.Parse
// accepts is taken as it is (in canonical form); anything else goes through
// the phrase parser, except text made only of cron digits and symbols, whose
// schedule error is reported.
func toCron(text string, loc *time.Location) (cron string, zone *time.Location, warnings []string, err error) {
	expr := strings.TrimSpace(text)
	sc, serr := schedule.Parse(expr, loc)
	if serr == nil {
		return sc.String(), loc, nil, nil
	}
	var se *schedule.ParseError
	if numericCron(expr) && errors.As(serr, &se) {
		return "", nil, nil, cronErr(text, se)
	}
	res, err := nlcron.Parse(text, nlcron.WithLocation(loc))
	if err != nil {
		var pe *nlcron.ParseError
		if errors.As(err, &pe) {
			return "", nil, nil, phraseErr(text, pe)
		}
		return "", nil, nil, &httpError{status: http.StatusBadRequest, detail: err.Error()}
	}
	return res.Cron, res.Location, res.Warnings, nil
}

// numericCron reports whether text has only digits, cron symbols and
// spaces, so that "0 25 * * *" is reported as a bad cron expression rather
// than a bad English phrase.
func numericCron(text string) bool {
	if text == "" {
		return false
	}
	for _, c := range text {
		if !(c >= '0' && c <= '9' || strings.ContainsRune("*,-/? \t", c)) {
			return false
		}
	}
	return true
}

// cronErr builds the 400 answer for a refused cron expression, locating the
// offending field value in the text.
func cronErr(text string, se *schedule.ParseError) *phraseError {
	msg := se.Msg
	if se.Field != "" {
		msg = se.Field + ": " + se.Msg
	}
	return phraseErr(text, &nlcron.ParseError{
		Input: text, Offset: fieldOffset(text, se), Text: se.Value, Msg: msg,
	})
}

// fieldOffset finds the byte offset of the offending value of a schedule
// error in text, or 0.
func fieldOffset(text string, se *schedule.ParseError) int {
	names := []string{"minute", "hour", "day-of-month", "month", "day-of-week"}
	start := 0
	for i, f := range strings.Fields(text) {
		at := start + strings.Index(text[start:], f)
		start = at + len(f)
		if i < len(names) && names[i] == se.Field {
			if j := strings.Index(f, se.Value); j >= 0 && se.Value != "" {
				return at + j
			}
			return at
		}
	}
	return 0
}

// phraseErr builds the 400 answer for a refused phrase.
func phraseErr(text string, pe *nlcron.ParseError) *phraseError {
	off := min(max(pe.Offset, 0), len(text))
	loc := phraseLocation{
		Offset:     off,
		Text:       pe.Text,
		Length:     utf8.RuneCountInString(pe.Text),
		Message:    pe.Msg,
		Suggestion: strJSON(pe.Suggestion),
	}
	var b strings.Builder
	if pe.Text != "" {
		loc.Position = utf8.RuneCountInString(text[:off]) + 1
		fmt.Fprintf(&b, "%q at position %d: %s", pe.Text, loc.Position, pe.Msg)
	} else {
		b.WriteString(pe.Msg)
	}
	if pe.Suggestion != "" {
		fmt.Fprintf(&b, " (did you mean %q?)", pe.Suggestion)
	}
	return &phraseError{Detail: b.String(), Location: loc}
}
