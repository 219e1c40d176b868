package nlcron

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"
)

// Translation from the syntax tree to cron happens in two steps: collect
// turns each clause into facts (an interval, times of day, day sets, ...)
// and checks ranges; resolve combines the facts into the five fields,
// applying the defaults and refusing combinations no single cron can say.

// Units of an interval, from finest to coarsest.
type unit int

const (
	uSecond unit = iota
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uQuarter
	uYear
)

var unitNames = [...]string{"second", "minute", "hour", "day", "week", "month", "quarter", "year"}

func (u unit) String() string { return unitNames[u] }

// interval is "every n units".
type interval struct {
	pos     lexer.Position
	text    string
	u       unit
	n       int
	dowStep bool // "every 3 days of the week": a step over weekdays
	adverb  bool // "daily", "weekly": must be followed by on/at
}

// clockTime is a resolved time of day.
type clockTime struct {
	pos      lexer.Position
	text     string
	h, m     int
	hourOnly bool // named an hour ("5pm", "noon") rather than a minute ("5:00")
}

// window is a range of times of day, both ends included.
type window struct {
	pos       lexer.Position
	text      string
	from, to  clockTime
	hourly    bool // "between the 5th and 10th hour"
	dropEndHr bool // allow the documented whole-hour end rule
	inList    bool // a range inside a list of times
}

// collector holds the facts gathered from the clauses.
type collector struct {
	in  string
	err *ParseError

	loc    *time.Location
	locPos lexer.Position

	intervals []interval
	times     []clockTime
	windows   []window

	minutes    *field // minute clause values
	minutePos  lexer.Position
	minuteRng  []int // "from minute A through B"
	onMinute   bool
	offset     int // "offset 10 minutes", -1 unset
	hoursList  *field
	freqHours  *field
	freqMins   *field
	startMin   int // -1 unset
	startHour  int
	startDay   int
	startMonth int
	startTime  *clockTime

	dow       *field
	dowExcept *field
	dowFirst  *field // the first weekday clause, which a weekday step runs within
	dowPos    lexer.Position
	instance  string // "on the 3rd day instance"
	dayLink   string // "or" or "if"
	weekIdx   int    // "every week on the 4th day", -1 unset

	dom        *field
	domPos     lexer.Position
	domText    string
	bareDom    *lexer.Position // a bare number read as a day of the month
	domStep    int             // "on every other day of the month"
	domStepPos lexer.Position
	domStepRng [2]int

	months      *field
	monthEvery  bool
	monthPos    lexer.Position
	dates       []date
	hasRhythm   bool
	prevAdverb  *interval
	businessHrs bool

	// dayPart is the part of the day a rhythm names ("every morning",
	// "nightly"), read before the other clauses so that it applies to
	// times wherever they stand ("at 6 every evening").
	dayPart     string
	dayPartPos  lexer.Position
	dayPartText string
	partNeedsT  bool // a partClause, which needs a time of day
	partTimes   []partTime
}

// partTime is a time that a part of the day resolved, for the check that
// an evening or night time after midnight does not fall on the named day.
type partTime struct {
	pos  lexer.Position
	text string
	part string
	h, m int
}

type date struct {
	pos   lexer.Position
	month int
	days  []int
}

func newCollector(in string) *collector {
	return &collector{in: in, offset: -1, startMin: -1, startHour: -1, startDay: -1, startMonth: -1, weekIdx: -1}
}

// fail records the first error; later errors are ignored so the user
// sees the leftmost problem.
func (c *collector) fail(pos lexer.Position, text string, sentinel error, suggestion, format string, args ...any) {
	if c.err != nil && c.err.Offset <= pos.Offset {
		return
	}
	c.err = &ParseError{
		Input: c.in, Offset: pos.Offset, Line: pos.Line, Column: pos.Column,
		Text: text, Msg: fmt.Sprintf(format, args...), Suggestion: suggestion, err: sentinel,
	}
}

func (c *collector) failed() bool { return c.err != nil }

// span returns the input text from pos to the end of the clause that
// starts there, approximated by the next clause's position.
func (c *collector) span(from lexer.Position, to int) string {
	if to > len(c.in) || to < from.Offset {
		to = len(c.in)
	}
	return strings.TrimSpace(c.in[from.Offset:to])
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<20 {
		return 1 << 20 // out of every range
	}
	return n
}

// ordinalValue reads "1st", "first", "twenty-first".
func ordinalValue(s string) int {
	s = strings.ToLower(s)
	if len(s) > 2 && s[0] >= '0' && s[0] <= '9' {
		return atoi(strings.TrimRight(s, "stndrh"))
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "-", " "), "  ", " ")
	base := 0
	if rest, ok := strings.CutPrefix(s, "twenty"); ok {
		base, s = 20, strings.TrimSpace(rest)
	} else if rest, ok := strings.CutPrefix(s, "thirty"); ok {
		base, s = 30, strings.TrimSpace(rest)
	}
	if s == "" || s == "ieth" {
		return base
	}
	if v, ok := ordinalWords[s]; ok {
		return base + v
	}
	return 1 << 20
}

var ordinalWords = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
	"ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
	"fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
	"twentieth": 20, "thirtieth": 30,
}

var numberWords = map[string]int{
	"zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
	"thirty": 30, "forty": 40, "fifty": 50,
}

func (n *numWord) value() int {
	v := numberWords[strings.ToLower(n.Words[0])]
	if len(n.Words) == 2 {
		u := numberWords[strings.ToLower(n.Words[1])]
		if v < 20 || u == 0 || u >= 10 {
			return 1 << 20 // "five five" is not a number
		}
		v += u
	}
	return v
}

var dayNumbers = map[string]int{
	"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
}

func dayValue(s string) int {
	return dayNumbers[strings.ToLower(s)[:3]]
}

func monthValue(s string) int {
	switch strings.ToLower(s)[:3] {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	}
	return 12
}

var monthNames = [...]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

var weekdayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// collect walks the clauses in order.
func (c *collector) collect(p *phrase) {
	for i, cl := range p.Clauses {
		c.notePart(p, i, cl)
	}
	for i, cl := range p.Clauses {
		if c.failed() {
			return
		}
		end := len(c.in)
		if i+1 < len(p.Clauses) {
			end = clausePos(p.Clauses[i+1]).Offset
		}
		// "weekly monday" and "monthly 15" read badly and are refused by
		// several tools; we ask for the preposition.
		if c.prevAdverb != nil {
			switch x := cl.(type) {
			case *dowClause:
				if x.Prefix == "" {
					c.fail(x.Pos, c.span(x.Pos, end), ErrSyntax, c.prevAdverb.text+" on "+c.span(x.Pos, end),
						"missing \"on\" before %q", c.span(x.Pos, end))
				}
			case *domClause:
				if x.Prefix == "" {
					c.fail(x.Pos, c.span(x.Pos, end), ErrSyntax, c.prevAdverb.text+" on the "+c.span(x.Pos, end),
						"missing \"on\" before %q", c.span(x.Pos, end))
				}
			}
			c.prevAdverb = nil
		}
		if mc, ok := cl.(*monthClause); ok && mc.Prefix == "" && i > 0 {
			if _, afterDom := p.Clauses[i-1].(*domClause); afterDom {
				m := c.span(mc.Pos, end)
				c.fail(mc.Pos, m, ErrSyntax, "of "+m, "missing \"of\" before the month %q", m)
				return
			}
		}
		switch x := cl.(type) {
		case *zoneClause:
			c.zone(x, end)
		case *hoursClause:
			c.hoursClause(x)
		case *windowClause:
			c.window(x, end)
		case *nthDowClause:
			c.nthDow(x)
		case *dowExceptClause:
			c.dowExceptClause(x)
		case *dowBetweenClause:
			c.addDowRange(x.Pos, x.From, x.To)
		case *dowClause:
			c.dowClause(x)
		case *dateClause:
			c.date(x)
		case *monthBetweenClause:
			c.addMonthRange(x.Pos, x.From, x.To)
		case *monthClause:
			c.month(x)
		case *domStepClause:
			c.domStepClause(x, end)
		case *ordIntervalClause:
			c.interval(&intervalClause{Pos: x.Pos, Ord: x.Ord, Unit: x.Unit}, end)
		case *intervalClause:
			c.interval(x, end)
		case *partClause:
			c.hasRhythm = true
		case *freqClause:
			c.freq(x, end)
		case *domBetweenClause:
			c.domRange(x.Pos, x.From, x.To)
		case *domClause:
			c.domClause(x, end)
		case *minuteClause:
			c.minuteClause(x, end)
		case *relMinuteClause:
			c.relMinute(x, end)
		case *timeClause:
			c.timeClause(x, end)
		case *startClause:
			c.start(x, end)
		case *refusalClause:
			c.refuse(x, end)
		case *onceClause:
			if x.In != nil { // "in 5 minutes"
				text := c.span(x.Pos, x.Pos.Offset+len(c.in))
				if n := strings.Index(strings.ToLower(text), strings.ToLower(x.In[1])); n >= 0 {
					text = text[:n+len(x.In[1])]
				}
				c.fail(x.Pos, text, ErrUnsupported, "", "%q happens once, but a cron expression repeats; say how often it runs", text)
				break
			}
			c.failOnce(x.Pos, x.Word)
		case *fillerClause:
		}
	}
}

func clausePos(cl clause) lexer.Position {
	switch x := cl.(type) {
	case *zoneClause:
		return x.Pos
	case *hoursClause:
		return x.Pos
	case *windowClause:
		return x.Pos
	case *nthDowClause:
		return x.Pos
	case *dowExceptClause:
		return x.Pos
	case *dowBetweenClause:
		return x.Pos
	case *dowClause:
		return x.Pos
	case *dateClause:
		return x.Pos
	case *monthBetweenClause:
		return x.Pos
	case *monthClause:
		return x.Pos
	case *domStepClause:
		return x.Pos
	case *ordIntervalClause:
		return x.Pos
	case *intervalClause:
		return x.Pos
	case *freqClause:
		return x.Pos
	case *partClause:
		return x.Pos
	case *domBetweenClause:
		return x.Pos
	case *domClause:
		return x.Pos
	case *minuteClause:
		return x.Pos
	case *relMinuteClause:
		return x.Pos
	case *timeClause:
		return x.Pos
	case *startClause:
		return x.Pos
	case *refusalClause:
		return x.Pos
	case *onceClause:
		return x.Pos
	case *fillerClause:
		return x.Pos
	}
	return lexer.Position{}
}

// relMinute reads "at half past", "at quarter to", "at 20 past": a
// minute of every hour.
func (c *collector) relMinute(x *relMinuteClause, end int) {
	text := c.span(x.Pos, end)
	n, rel := 15, x.Rel
	switch {
	case x.Half:
		n, rel = 30, "past"
	case x.Num != "":
		n, rel = atoi(x.Num), x.NumRel
		if n < 1 || n > 59 {
			c.fail(x.Pos, text, ErrRange, "", "%d minutes %s the hour is out of range (1-59)", n, strings.ToLower(rel))
			return
		}
	}
	switch strings.ToLower(rel) {
	case "past", "after":
		c.addMinute(x.Pos, n, text)
	default:
		c.addMinute(x.Pos, 60-n, text)
	}
}

func (c *collector) zone(x *zoneClause, end int) {
	text := c.span(x.Pos, end)
	if c.loc != nil {
		c.fail(x.Pos, text, ErrSyntax, "", "a second time zone %q (the phrase already names one)", text)
		return
	}
	name := x.Name
	if x.Abbrev != "" {
		name = x.Abbrev
	}
	loc, perr := resolveZone(name)
	if perr != nil {
		c.fail(x.Pos, text, perr.err, perr.Suggestion, "%s", perr.Msg)
		return
	}
	c.loc, c.locPos = loc, x.Pos
}

// ---- times of day ----

// clock resolves a tod into hours and minutes. allowBare permits a plain
// number ("at 5"); elsewhere a plain number is ambiguous.
func (c *collector) clock(t *tod, allowBare bool) (clockTime, bool) {
	ct := clockTime{pos: t.Pos, h: -1}
	mer := meridiem(t.WordMer)
	// explicit is set when the time says am or pm itself, or is written
	// on the 24-hour clock, so that a part of the day only checks it.
	explicit := mer != "" || t.Special != ""
	var text string
	switch {
	case t.Noon != "":
		ct.h, ct.m, ct.hourOnly, text = 12, 0, true, t.Noon
		explicit = true
		if strings.EqualFold(t.Noon, "midnight") {
			ct.h = 0
		}
	case t.Mer != "":
		text = t.Mer
		digits := strings.TrimRight(strings.ToLower(t.Mer), "apm. ")
		i := strings.IndexAny(strings.ToLower(t.Mer), "ap")
		mer = string(strings.ToLower(t.Mer)[i]) + "m"
		h, m, s, ok := splitClock(digits)
		if !ok {
			c.fail(t.Pos, text, ErrSyntax, "", "%q is not a time", text)
			return ct, false
		}
		if s != 0 {
			c.failSeconds(t.Pos, text)
			return ct, false
		}
		if h < 1 || h > 12 {
			sugg := ""
			if h >= 13 && h <= 23 {
				sugg = fmt.Sprintf("%d:%02d", h, m)
			} else if h == 0 {
				sugg = fmt.Sprintf("12:%02d%s", m, mer)
			}
			c.fail(t.Pos, text, ErrRange, sugg, "hour %d in %q is out of range (1-12 with am/pm)", h, text)
			return ct, false
		}
		if m > 59 {
			c.fail(t.Pos, text, ErrRange, "", "minute %d in %q is out of range (0-59)", m, text)
			return ct, false
		}
		ct.h, ct.m = h%12, m
		if mer == "pm" {
			ct.h += 12
		}
		ct.hourOnly = !strings.ContainsAny(digits, ":.")
		mer, explicit = "", true
	case t.Clock != "", len(t.Num) == 4:
		// "17:30", or "1730": the 24-hour clock without a colon.
		text = t.Clock
		h, m, s := 0, 0, 0
		if text != "" {
			h, m, s, _ = splitClock(text)
		} else {
			text = t.Num
			h, m = atoi(text[:2]), atoi(text[2:])
		}
		if s != 0 {
			c.failSeconds(t.Pos, text)
			return ct, false
		}
		if h > 23 {
			sugg := ""
			if h == 24 && m == 0 {
				sugg = "midnight"
			}
			c.fail(t.Pos, text, ErrRange, sugg, "hour %d in %q is out of range (0-23)", h, text)
			return ct, false
		}
		if m > 59 {
			c.fail(t.Pos, text, ErrRange, "", "minute %d in %q is out of range (0-59)", m, text)
			return ct, false
		}
		ct.h, ct.m = h, m
		explicit = explicit || text[0] == '0' || h == 0 || h > 12 || t.Num != ""
	case t.Num != "":
		text = t.Num
		ct.h, ct.hourOnly = atoi(t.Num), true
		explicit = explicit || t.Num[0] == '0' || ct.h > 12
		if !allowBare && t.Special == "" && t.OClock == "" && mer == "" && t.DayPart == "" {
			c.fail(t.Pos, text, ErrSyntax, "at "+text, "a bare number %q: say \"at %s\" for a time or \"on the %s\" for a day", text, text, ordinalSuffix(text))
			return ct, false
		}
	case t.Half != nil, t.QPast != nil, t.QTo != nil, t.Past != nil:
		ref, m := t.Half, 30
		switch {
		case t.QPast != nil:
			ref, m = t.QPast, 15
		case t.QTo != nil:
			ref, m = t.QTo, 45
		case t.Past != nil:
			ref, m = t.Past, atoi(t.PastMin)
			if m < 1 || m > 59 {
				c.fail(t.Pos, c.span(t.Pos, ref.Pos.Offset), ErrRange, "", "%d minutes past the hour is out of range (1-59)", m)
				return ct, false
			}
		}
		h := 0
		switch {
		case ref.Time != "":
			var ok bool
			h, _, _, ok = splitClock(strings.TrimRight(strings.ToLower(ref.Time), "apm. "))
			if !ok || strings.ContainsAny(strings.TrimRight(strings.ToLower(ref.Time), "apm. "), ":.") {
				c.fail(ref.Pos, ref.Time, ErrSyntax, "", "%q after \"past\" or \"to\" must be an hour", ref.Time)
				return ct, false
			}
			mer = meridiem(ref.Time[strings.IndexAny(strings.ToLower(ref.Time), "ap"):])
		case ref.Word != nil:
			h = ref.Word.value()
		default:
			h = atoi(ref.Num)
		}
		if ref.Mer != "" {
			mer = meridiem(ref.Mer)
		}
		text = c.in[t.Pos.Offset:min(len(c.in), ref.Pos.Offset+len(ref.Time)+len(ref.Num)+1)]
		explicit = explicit || mer != "" || h == 0 || h > 12
		if mer != "" {
			if h < 1 || h > 12 {
				c.fail(ref.Pos, text, ErrRange, "", "hour %d is out of range (1-12 with %s)", h, mer)
				return ct, false
			}
			h %= 12
			if mer == "pm" {
				h += 12
			}
			mer = ""
		}
		if h > 23 {
			c.fail(ref.Pos, text, ErrRange, "", "hour %d is out of range (0-23)", h)
			return ct, false
		}
		if t.QTo != nil {
			h = (h + 23) % 24
		}
		ct.h, ct.m = h, m
	case t.DarkH != nil:
		ct.h, ct.m = t.DarkH.value(), t.DarkM.value()
		text, explicit = "dark", true
	case t.Word != nil:
		ct.h, ct.hourOnly = t.Word.value(), true
		text = strings.Join(t.Word.Words, " ")
		explicit = explicit || ct.h == 0 || ct.h > 12
	}
	if t.Special != "" {
		sp := strings.ToLower(t.Special)
		want := 12
		if sp == "midnight" {
			want = 0
			if ct.h == 12 {
				ct.h = 0
			}
		}
		if ct.h != want {
			c.fail(t.Pos, text, ErrRange, sp, "%s %s is not a time", text, sp)
			return ct, false
		}
		if ct.m == 0 {
			ct.hourOnly = true
		}
	}
	if mer != "" {
		if ct.h < 1 || ct.h > 12 {
			c.fail(t.Pos, text, ErrRange, "", "hour %d is out of range (1-12 with %s)", ct.h, mer)
			return ct, false
		}
		ct.h %= 12
		if mer == "pm" {
			ct.h += 12
		}
	}
	part := strings.ToLower(t.DayPart)
	if i := strings.LastIndexAny(part, " \t"); i >= 0 {
		part = part[i+1:]
	}
	if part == "tonight" {
		c.failOnce(t.Pos, "tonight")
		return ct, false
	}
	if c.dayPart != "" {
		if part != "" && part != c.dayPart {
			c.fail(t.Pos, c.span(t.Pos, len(c.in)), ErrSyntax, "",
				"%q says %s, but %q says %s", c.dayPartText, articled(c.dayPart), t.DayPart, articled(part))
			return ct, false
		}
		part = c.dayPart
	}
	if part != "" && ct.h <= 23 && ct.m <= 59 && !c.dayPartHour(&ct, part, explicit, text) {
		return ct, false
	}
	if ct.h > 23 {
		c.fail(t.Pos, text, ErrRange, "", "hour %d is out of range (0-23)", ct.h)
		return ct, false
	}
	if ct.m > 59 {
		c.fail(t.Pos, text, ErrRange, "", "minute %d is out of range (0-59)", ct.m)
		return ct, false
	}
	ct.text = text
	return ct, true
}

// meridiem reads "am", "P.M.", "a. m" as "am" or "pm" ("" if empty).
func meridiem(s string) string {
	if s == "" {
		return ""
	}
	if s[0]|0x20 == 'p' {
		return "pm"
	}
	return "am"
}

func ordinalSuffix(n string) string {
	v := atoi(n)
	suf := "th"
	switch {
	case v%100 >= 11 && v%100 <= 13:
	case v%10 == 1:
		suf = "st"
	case v%10 == 2:
		suf = "nd"
	case v%10 == 3:
		suf = "rd"
	}
	return n + suf
}

func (c *collector) failSeconds(pos lexer.Position, text string) {
	c.fail(pos, text, ErrUnsupported, "every minute", "cron has no seconds: the finest rhythm is once a minute")
}

// splitClock reads "5", "5:30", "5.30", "05:30:00".
func splitClock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(strings.Replace(strings.TrimSpace(s), ".", ":", 1), ":")
	if len(parts) > 3 || parts[0] == "" {
		return 0, 0, 0, false
	}
	vals := [3]int{}
	for i, p := range parts {
		vals[i] = atoi(p)
	}
	return vals[0], vals[1], vals[2], true
}

func (c *collector) timeClause(x *timeClause, end int) {
	for _, it := range x.Times {
		ct, ok := c.clock(it.From, x.At != "")
		if !ok {
			return
		}
		if it.To == nil {
			c.times = append(c.times, ct)
			continue
		}
		if m, h, ok := minutesTo(c.span(it.Pos, it.To.Pos.Offset+len(it.To.Num)), it); ok {
			// "at 5 to 6": 5:55, or the hours 5 to 6?
			text := c.span(it.Pos, it.To.Pos.Offset+len(it.To.Num))
			c.fail(it.Pos, text, ErrSyntax, "", "%q can mean %d:%02d or the hours %s to %s: write \"at %d:%02d\" or \"from %s to %s\"",
				text, h, m, it.From.Num, it.To.Num, h, m, it.From.Num, it.To.Num)
			return
		}
		to, ok := c.clock(it.To, true)
		if !ok {
			return
		}
		text := c.span(it.Pos, it.To.Pos.Offset+len(to.text))
		if to.h*60+to.m <= ct.h*60+ct.m {
			c.fail(it.Pos, text, ErrRange, "", "the range %q runs backwards", text)
			return
		}
		c.windows = append(c.windows, window{pos: it.Pos, text: text, from: ct, to: to, inList: true})
	}
}

// ---- windows ----

// minutesTo reports whether the time range it, read as text, can also be
// read as minutes to an hour ("5 to 6" is 5:55 in British English), and
// that time: two bare numbers joined by "to", the first at most 30 and the
// second an hour of the 12-hour clock.
func minutesTo(text string, it *timeItem) (m, h int, ok bool) {
	if !isBareHour(it.From) || !isBareHour(it.To) {
		return 0, 0, false
	}
	a, b := atoi(it.From.Num), atoi(it.To.Num)
	words := strings.Fields(strings.ToLower(text))
	if len(words) != 3 || words[1] != "to" || a < 1 || a > 30 || b < 1 || b > 12 {
		return 0, 0, false
	}
	if b == 1 {
		return 60 - a, 12, true // "5 to 1" is 12:55
	}
	return 60 - a, b - 1, true
}

// isBareHour reports whether t is a number with nothing to say it is a
// time: no am/pm, o'clock, noon or part of the day, and fewer than four
// digits ("1730" is on the 24-hour clock).
func isBareHour(t *tod) bool {
	return t.Num != "" && len(t.Num) < 4 && t.Special == "" && t.OClock == "" && t.WordMer == "" && t.DayPart == ""
}

func (c *collector) window(x *windowClause, end int) {
	text := c.span(x.Pos, end)
	w := window{pos: x.Pos, text: text, dropEndHr: true}
	switch {
	case x.Business != "":
		c.businessHrs = true
		w.from = clockTime{h: 9}
		w.to = clockTime{h: 17}
		c.windows = append(c.windows, w)
		c.addDowSet(x.Pos, rangeField(0, 6, 1, 5, 1))
		return
	case x.HourFrom != "":
		a, b := ordinalValue(x.HourFrom), ordinalValue(x.HourTo)
		if a > 23 || b > 23 {
			c.fail(x.Pos, text, ErrRange, "", "hours run from 0 to 23")
			return
		}
		w.from, w.to, w.hourly = clockTime{h: a}, clockTime{h: b, m: 59}, true
		c.windows = append(c.windows, w)
		return
	case x.MinFrom != "":
		a, b := atoi(x.MinFrom), atoi(x.MinTo)
		if a > 59 || b > 59 || a > b {
			c.fail(x.Pos, text, ErrRange, "", "minutes run from 0 to 59")
			return
		}
		c.minuteRng = []int{a, b}
		return
	}
	var from, to *tod
	exclusive := false
	allowBare := true
	switch {
	case x.From != nil:
		from, to = x.From, x.To
	case x.From2 != nil:
		from, to = x.From2, x.To2
	case x.After != nil:
		from, to, exclusive = x.After, x.Before, true
	default:
		from, to, allowBare = x.From3, x.To3, false
		if isBareHour(from) && isBareHour(to) {
			// "every hour 9-5": hours, most likely, but "5 to 9" can
			// also be 8:55; "from" makes it a window.
			start, stop := x.Pos.Offset, x.Pos.Offset+len(strings.TrimRight(text, " "))
			sugg := c.in[:start] + "from " + c.in[start:]
			if !parses(sugg) {
				sugg = ""
			}
			c.fail(x.Pos, c.in[start:stop], ErrSyntax, sugg,
				"%q is two bare numbers: say \"from %s to %s\" for hours of the day", c.in[start:stop], from.Num, to.Num)
			return
		}
	}
	f, ok := c.clock(from, allowBare)
	if !ok {
		return
	}
	t, ok := c.clock(to, allowBare)
	if !ok {
		return
	}
	// "from 9 to 5": a bare end hour before the start is afternoon.
	if to.Num != "" && to.WordMer == "" && to.DayPart == "" && c.dayPart == "" && t.h < f.h && t.h+12 > f.h && t.h < 12 {
		t.h += 12
	}
	if exclusive {
		if t.m == 0 {
			t.h, t.m = t.h-1, 59
			if t.h < 0 {
				t.h = 23
			}
		} else {
			t.m--
		}
		w.dropEndHr = false
	}
	if f.h == t.h && f.m == t.m || exclusive && (t.h*60+t.m) < (f.h*60+f.m) && (t.h*60+t.m+1) == (f.h*60+f.m) {
		c.fail(x.Pos, text, ErrRange, "", "the window %q is empty: it starts and ends at %02d:%02d", text, f.h, f.m)
		return
	}
	w.from, w.to = f, t
	c.windows = append(c.windows, w)
}

func (c *collector) hoursClause(x *hoursClause) {
	if c.hoursList == nil {
		c.hoursList = newField(0, 23)
	}
	for _, it := range x.Items {
		f, ok := c.clock(it.From, true)
		if !ok {
			return
		}
		t := f
		if it.To != nil {
			if t, ok = c.clock(it.To, true); !ok {
				return
			}
		}
		for h := f.h; ; h = (h + 1) % 24 {
			c.hoursList.add(h)
			if h == t.h {
				break
			}
		}
	}
}

// ---- days of the week ----

func (c *collector) dayItems(items []*dayItem) *field {
	f := newField(0, 6)
	for _, it := range items {
		switch {
		case it.Weekdays, it.MonFri:
			for d := 1; d <= 5; d++ {
				f.add(d)
			}
		case it.Weekend:
			f.add(0)
			f.add(6)
		case it.To != "":
			a, b := dayValue(it.Day), dayValue(it.To)
			for d := a; ; d = (d + 1) % 7 {
				f.add(d)
				if d == b {
					break
				}
			}
		default:
			f.add(dayValue(it.Day))
		}
	}
	return f
}

func (c *collector) addDowSet(pos lexer.Position, f *field) {
	if c.dow == nil {
		c.dow, c.dowPos = newField(0, 6), pos
	}
	c.dow.set |= f.set
	c.dow.special = append(c.dow.special, f.special...)
}

func (c *collector) setLink(pos lexer.Position, link string) {
	link = strings.ToLower(link)
	if c.dayLink == "if" {
		return // "if it falls on Monday or on the last Friday": one list
	}
	switch {
	case strings.HasPrefix(link, "or"):
		c.dayLink = "or"
	case strings.HasPrefix(link, "if"):
		c.dayLink = "if"
	}
}

func (c *collector) dowClause(x *dowClause) {
	c.setLink(x.Pos, string(x.Prefix))
	f := c.dayItems(x.Items)
	if c.dowFirst == nil {
		c.dowFirst = f
	}
	c.addDowSet(x.Pos, f)
}

func (c *collector) addDowRange(pos lexer.Position, from, to string) {
	f := newField(0, 6)
	a, b := dayValue(from), dayValue(to)
	for d := a; ; d = (d + 1) % 7 {
		f.add(d)
		if d == b {
			break
		}
	}
	c.addDowSet(pos, f)
}

func (c *collector) dowExceptClause(x *dowExceptClause) {
	f := c.dayItems(x.Items)
	if c.dowExcept == nil {
		c.dowExcept = newField(0, 6)
	}
	c.dowExcept.set |= f.set
}

func (c *collector) nth(n *nthWord) (int, bool) {
	text := n.Ord + n.Word
	if strings.EqualFold(n.Word, "last") {
		return -1, true
	}
	v := ordinalValue(text)
	if v < 1 || v > 5 {
		c.fail(n.Pos, text, ErrRange, "", "a month has at most five of each weekday; %q is out of range", text)
		return 0, false
	}
	return v, true
}

func (c *collector) nthDow(x *nthDowClause) {
	if x.Instance != nil {
		v, ok := c.nth(x.Instance)
		if !ok {
			return
		}
		if v == -1 {
			c.instance = "L"
		} else {
			c.instance = "#" + strconv.Itoa(v)
		}
		return
	}
	c.setLink(x.Pos, x.Link)
	f := newField(0, 6)
	for _, it := range x.Items {
		d := dayValue(it.Day)
		for _, n := range it.Nth {
			v, ok := c.nth(n)
			if !ok {
				return
			}
			if v == -1 {
				f.special = append(f.special, strconv.Itoa(d)+"L")
			} else {
				f.special = append(f.special, strconv.Itoa(d)+"#"+strconv.Itoa(v))
			}
		}
	}
	c.addDowSet(x.Pos, f)
}

// ---- months and dates ----

func (c *collector) addMonths(pos lexer.Position, f *field) {
	if c.months == nil {
		c.months, c.monthPos = newField(1, 12), pos
	}
	c.months.set |= f.set
}

func (c *collector) addMonthRange(pos lexer.Position, from, to string) {
	f := newField(1, 12)
	a, b := monthValue(from), monthValue(to)
	for m := a; ; m = m%12 + 1 {
		f.add(m)
		if m == b {
			break
		}
	}
	c.addMonths(pos, f)
}

func (c *collector) month(x *monthClause) {
	p := strings.ToLower(string(x.Prefix))
	if p == "every" || p == "each" {
		c.monthEvery = true
	}
	for _, it := range x.Items {
		if it.To != "" {
			c.addMonthRange(it.Pos, it.From, it.To)
		} else {
			f := newField(1, 12)
			f.add(monthValue(it.From))
			c.addMonths(it.Pos, f)
		}
	}
}

func (c *collector) date(x *dateClause) {
	m := monthValue(x.Month)
	d := date{pos: x.Pos, month: m}
	for _, dd := range x.Days {
		text := dd.Ord + dd.Num + dd.Word
		var v int
		if dd.Num != "" {
			v = atoi(dd.Num)
			if v >= 1000 {
				c.fail(dd.Pos, text, ErrUnsupported, "", "cron has no year field, so %q cannot be scheduled", text)
				return
			}
		} else {
			v = ordinalValue(text)
		}
		if v < 1 || v > 31 {
			c.fail(dd.Pos, text, ErrRange, "", "day %q is out of range (1-31)", text)
			return
		}
		if v > monthDays[m] {
			c.fail(dd.Pos, text, ErrRange, "", "%s has no %s", monthNames[m], ordinalSuffix(strconv.Itoa(v)))
			return
		}
		d.days = append(d.days, v)
	}
	c.dates = append(c.dates, d)
}

var monthDays = [...]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// ---- days of the month ----

func (c *collector) addDom(pos lexer.Position, f *field) {
	if c.dom == nil {
		c.dom, c.domPos = newField(1, 31), pos
	}
	c.dom.set |= f.set
	c.dom.special = append(c.dom.special, f.special...)
}

// domVal resolves one day-of-month value: a number 1-31, or -1 for
// "last" with special holding the cron text for L, LW and nW.
func (c *collector) domVal(v *domValue) (n int, special string, ok bool) {
	switch {
	case v.LastWeekday:
		c.fail(v.Pos, "last weekday", ErrUnsupported, "on the last day of the month", "the last weekday of the month (LW) is not in the cron dialect we support")
		return 0, "", false
	case v.FirstWkday:
		// The weekday nearest the 1st never leaves the month, so it is
		// the month's first weekday: the 3rd when the 1st is a Saturday.
		return 0, "1W", true
	case v.Nearest != nil || v.Nearest2 != nil:
		near := v.Nearest
		if near == nil {
			near = v.Nearest2
		}
		n := ordinalValue(near.Ord)
		if near.Num != "" {
			n = atoi(near.Num)
		}
		if n < 1 || n > 31 {
			c.fail(near.Pos, near.Ord+near.Num, ErrRange, "", "day %q is out of range (1-31)", near.Ord+near.Num)
			return 0, "", false
		}
		return 0, strconv.Itoa(n) + "W", true
	case v.Last, v.End:
		return -1, "L", true
	case v.Begin:
		return 1, "", true
	}
	text := v.Ord + v.Num + strings.Join(v.Word, "-")
	n = ordinalValue(text)
	if v.Num != "" {
		n = atoi(v.Num)
	}
	if n < 1 || n > 31 {
		c.fail(v.Pos, text, ErrRange, "", "day of the month %q is out of range (1-31)", text)
		return 0, "", false
	}
	return n, "", true
}

func (c *collector) domItems(items []*domItem, dayWord bool, prefix string) (*field, bool) {
	f := newField(1, 31)
	for i, it := range items {
		a, sa, ok := c.domVal(it.From)
		if !ok {
			return nil, false
		}
		if it.From.Num != "" && it.Day == "" && !dayWord && !(i > 0 && items[0].Day != "") {
			pos := it.From.Pos
			if c.bareDom == nil {
				c.bareDom = &pos
			}
		}
		if it.To == nil {
			if sa != "" {
				f.special = append(f.special, sa)
			} else {
				f.add(a)
			}
			continue
		}
		b, sb, ok := c.domVal(it.To)
		if !ok {
			return nil, false
		}
		if sa != "" || (sb != "" && sb != "L") {
			c.fail(it.Pos, c.span(it.Pos, it.To.Pos.Offset+4), ErrSyntax, "", "a range of days must run between numbered days")
			return nil, false
		}
		if sb == "L" {
			b = 31
		}
		if a > b {
			c.fail(it.Pos, c.span(it.Pos, it.To.Pos.Offset+4), ErrRange, "", "the range of days runs backwards")
			return nil, false
		}
		for d := a; d <= b; d++ {
			f.add(d)
		}
	}
	return f, true
}

func (c *collector) domClause(x *domClause, end int) {
	text := c.span(x.Pos, end)
	if x.Prefix == "" && !x.The && x.DayWord == "" && x.OfMonth == "" && x.Items[0].Day == "" && len(x.Items[0].From.Word) > 0 {
		w := strings.Join(x.Items[0].From.Word, "-")
		c.fail(x.Pos, w, ErrSyntax, "the "+w+" of the month", "%q alone is not a schedule", w)
		return
	}
	f, ok := c.domItems(x.Items, x.DayWord != "", string(x.Prefix))
	if !ok {
		return
	}
	// "every week on the 4th day": a day of the week by position.
	if x.DayWord != "" && x.OfMonth == "" && len(x.Items) == 1 && x.Items[0].To == nil && f.count() == 1 && c.hasUnit(uWeek) {
		v := f.values()[0]
		if v > 7 {
			c.fail(x.Pos, text, ErrRange, "", "a week has 7 days")
			return
		}
		c.weekIdx = v - 1
		return
	}
	if strings.EqualFold(string(x.Prefix), "from") && len(x.Items) == 1 && x.Items[0].To == nil {
		c.fail(x.Pos, text, ErrSyntax, "", "%q needs an end: \"from the 1st to the 15th\"", text)
		return
	}
	if c.domText == "" {
		c.domText = text
	}
	c.addDom(x.Pos, f)
}

func (c *collector) domRange(pos lexer.Position, from, to *domValue) {
	it := &domItem{Pos: pos, Day: "day", From: from, To: to}
	f, ok := c.domItems([]*domItem{it}, true, "")
	if ok {
		c.addDom(pos, f)
	}
}

func (c *collector) domStepClause(x *domStepClause, end int) {
	text := c.span(x.Pos, end)
	n := 2
	if x.Ord != "" {
		n = ordinalValue(x.Ord)
	}
	if n < 2 || n > 31 {
		c.fail(x.Pos, text, ErrRange, "", "a step of days must be between 2 and 31")
		return
	}
	c.domStep, c.domStepPos = n, x.Pos
	c.domStepRng = [2]int{0, 0}
	if x.From != nil {
		a, _, ok := c.domVal(x.From)
		if !ok {
			return
		}
		b, _, ok := c.domVal(x.To)
		if !ok {
			return
		}
		if a < 1 || b < a {
			c.fail(x.Pos, text, ErrRange, "", "the range of days runs backwards")
			return
		}
		c.domStepRng = [2]int{a, b}
	}
	if len(x.Extra) > 0 {
		f, ok := c.domItems(x.Extra, true, "")
		if !ok {
			return
		}
		c.addDom(x.Pos, f)
	}
}

// ---- intervals ----

func (c *collector) hasUnit(u unit) bool {
	for _, iv := range c.intervals {
		if iv.u == u {
			return true
		}
	}
	return false
}

var unitWords = map[string]unit{
	"second": uSecond, "seconds": uSecond, "sec": uSecond, "secs": uSecond, "s": uSecond,
	"minute": uMinute, "minutes": uMinute, "min": uMinute, "mins": uMinute, "m": uMinute,
	"hour": uHour, "hours": uHour, "hr": uHour, "hrs": uHour, "h": uHour,
	"day": uDay, "days": uDay, "d": uDay, "night": uDay, "nights": uDay,
	"week": uWeek, "weeks": uWeek, "w": uWeek,
	"month": uMonth, "months": uMonth, "mo": uMonth,
	"quarter": uQuarter, "quarters": uQuarter,
	"year": uYear, "years": uYear,
}

func (c *collector) interval(x *intervalClause, end int) {
	text := c.span(x.Pos, end)
	c.hasRhythm = true
	iv := interval{pos: x.Pos, text: text, n: 1}
	if x.Adverb != "" {
		iv.adverb = true
		a := strings.ToLower(x.Adverb)
		switch a {
		case "hourly":
			iv.u = uHour
		case "daily", "nightly", "everyday":
			iv.u = uDay
		case "weekly":
			iv.u = uWeek
		case "monthly":
			iv.u = uMonth
		case "yearly", "annually":
			iv.u = uYear
		case "quarterly":
			iv.u = uQuarter
		case "biannually", "semiannually":
			iv.u, iv.n = uMonth, 6
		case "fortnightly", "biweekly":
			c.fail(x.Pos, text, ErrUnsupported, "every week", "cron cannot count weeks, so %q (every two weeks) has no cron expression", x.Adverb)
			return
		default: // bimonthly, semimonthly
			c.fail(x.Pos, text, ErrUnsupported, "on the 1st and 15th", "%q is ambiguous (twice a month, or every two months?) and neither reading is every exact fortnight", x.Adverb)
			return
		}
		if a != "everyday" {
			c.prevAdverb = &iv
		}
		c.intervals = append(c.intervals, iv)
		return
	}
	if x.Dur != "" {
		i := 0
		for i < len(x.Dur) && x.Dur[i] >= '0' && x.Dur[i] <= '9' {
			i++
		}
		iv.n = atoi(x.Dur[:i])
		iv.u = unitWords[strings.ToLower(x.Dur[i:])]
	} else {
		switch {
		case x.Half:
			iv.u, iv.n = uMinute, 30
		case x.Quarter:
			iv.u, iv.n = uMinute, 15
		default:
			switch {
			case x.Count != "":
				iv.n = atoi(x.Count)
			case x.Words != nil:
				iv.n = x.Words.value()
			case x.Other:
				iv.n = 2
			case x.Ord != "":
				iv.n = ordinalValue(x.Ord)
			}
			u := x.Unit
			switch {
			case u.Business:
				c.unitDays(x, &iv, text, rangeField(0, 6, 1, 5, 1), "business day")
				return
			case u.Day != "":
				f := newField(0, 6)
				f.add(dayValue(u.Day))
				c.unitDays(x, &iv, text, f, strings.ToLower(u.Day))
				return
			}
			w := strings.ToLower(u.Word)
			switch w {
			case "weekend", "weekends":
				f := newField(0, 6)
				f.add(0)
				f.add(6)
				c.unitDays(x, &iv, text, f, w)
				return
			case "weekday", "weekdays":
				c.unitDays(x, &iv, text, rangeField(0, 6, 1, 5, 1), w)
				return
			case "fortnight", "fortnights":
				c.fail(x.Pos, text, ErrUnsupported, "every week", "cron cannot count weeks, so every fortnight has no cron expression")
				return
			}
			iv.u = unitWords[w]
		}
	}
	suffix := strings.ToLower(string(x.Suffix))
	if strings.HasSuffix(suffix, "week") {
		if iv.u != uDay {
			c.fail(x.Pos, text, ErrSyntax, "", "%q: only days can be counted within a week", text)
			return
		}
		iv.dowStep = true
	}
	if iv.n < 1 {
		c.fail(x.Pos, text, ErrRange, "", "an interval of %d %ss never repeats", iv.n, iv.u)
		return
	}
	c.checkInterval(&iv)
	if !c.failed() {
		c.intervals = append(c.intervals, iv)
	}
}

// unitDays handles "every other friday", "every weekend", "every 2 weekdays".
func (c *collector) unitDays(x *intervalClause, iv *interval, text string, f *field, name string) {
	if iv.n != 1 {
		c.fail(x.Pos, text, ErrUnsupported, "every "+strings.TrimSuffix(name, "s"),
			"cron cannot count weeks, so %q has no cron expression; it can run every %s", text, strings.TrimSuffix(name, "s"))
		return
	}
	c.hasRhythm = true
	c.addDowSet(x.Pos, f)
}

// checkInterval refuses intervals no cron field can step by.
func (c *collector) checkInterval(iv *interval) {
	n := iv.n
	switch iv.u {
	case uSecond:
		c.failSeconds(iv.pos, iv.text)
	case uMinute:
		if n >= 60 {
			sugg := ""
			if n%60 == 0 && n/60 < 24 {
				sugg = fmt.Sprintf("every %d hours", n/60)
			}
			c.fail(iv.pos, iv.text, ErrUnsupported, sugg, "every %d minutes does not fit in an hour; cron steps restart every hour", n)
		}
	case uHour:
		if n == 24 {
			c.fail(iv.pos, iv.text, ErrUnsupported, "every day", "every 24 hours is once a day")
		} else if n > 24 {
			sugg := ""
			if n%24 == 0 {
				sugg = fmt.Sprintf("every %d days", n/24)
			}
			c.fail(iv.pos, iv.text, ErrUnsupported, sugg, "every %d hours does not fit in a day; cron steps restart every day", n)
		}
	case uDay:
		if n > 31 {
			c.fail(iv.pos, iv.text, ErrUnsupported, "", "every %d days does not fit in a month; cron steps restart every month", n)
		}
	case uWeek:
		if n > 1 {
			sugg := "every week"
			if n == 4 {
				sugg = "every month"
			}
			c.fail(iv.pos, iv.text, ErrUnsupported, sugg, "cron cannot count weeks, so every %d weeks has no cron expression", n)
		}
	case uMonth:
		if n > 12 {
			c.fail(iv.pos, iv.text, ErrUnsupported, "", "cron has no year field, so every %d months has no cron expression", n)
		}
	case uQuarter:
		if n == 2 {
			iv.u, iv.n = uMonth, 6
		} else if n > 2 {
			c.fail(iv.pos, iv.text, ErrUnsupported, "", "cron has no year field, so every %d quarters has no cron expression", n)
		}
	case uYear:
		if n > 1 {
			c.fail(iv.pos, iv.text, ErrUnsupported, "every year", "cron has no year field, so every %d years has no cron expression", n)
		}
	}
}

func (c *collector) freq(x *freqClause, end int) {
	text := c.span(x.Pos, end)
	c.hasRhythm = true
	var n int
	switch {
	case x.Once:
		n = 1
	case x.Twice:
		n = 2
	case x.Count != "":
		n = atoi(x.Count)
	default:
		n = x.Words.value()
	}
	if x.Unit.Business || x.Unit.Day != "" {
		c.fail(x.Pos, text, ErrSyntax, "", "%q is not a period", text)
		return
	}
	u := unitWords[strings.ToLower(x.Unit.Word)]
	if n == 1 {
		iv := interval{pos: x.Pos, text: text, u: u, n: 1}
		c.checkInterval(&iv)
		c.intervals = append(c.intervals, iv)
		return
	}
	if n < 1 {
		c.fail(x.Pos, text, ErrRange, "", "%q never runs", text)
		return
	}
	switch u {
	case uHour:
		if 60%n != 0 || n > 60 {
			c.fail(x.Pos, text, ErrUnsupported, "", "%d times an hour cannot be spaced evenly in whole minutes", n)
			return
		}
		c.freqMins = starField(0, 59, 60/n)
		c.freqMins.star = false
	case uDay:
		if 24%n != 0 || n > 24 {
			c.fail(x.Pos, text, ErrUnsupported, "", "%d times a day cannot be spaced evenly in whole hours", n)
			return
		}
		c.freqHours = starField(0, 23, 24/n)
		c.freqHours.star = false
	case uMinute, uSecond:
		c.failSeconds(x.Pos, text)
	default:
		c.fail(x.Pos, text, ErrUnsupported, "", "%q does not say which days; name them (\"on mondays and thursdays\")", text)
	}
}

// ---- minutes ----

func (c *collector) addMinute(pos lexer.Position, v int, text string) bool {
	if v > 59 {
		c.fail(pos, text, ErrRange, "", "minute %d is out of range (0-59)", v)
		return false
	}
	if c.minutes == nil {
		c.minutes, c.minutePos = newField(0, 59), pos
	}
	c.minutes.add(v)
	return true
}

func (c *collector) minuteItems(items []*minuteItem) {
	for _, it := range items {
		a := atoi(it.From)
		b := a
		if it.To != "" {
			b = atoi(it.To)
		}
		if b < a {
			c.fail(it.Pos, it.From+"-"+it.To, ErrRange, "", "the range of minutes runs backwards")
			return
		}
		for v := a; v <= b; v++ {
			if !c.addMinute(it.Pos, v, it.From) {
				return
			}
		}
	}
}

func (c *collector) minuteClause(x *minuteClause, end int) {
	text := c.span(x.Pos, end)
	switch {
	case x.Seconds != "":
		c.failSeconds(x.Pos, text)
	case len(x.Words) == 1 && x.Words[0].To != "":
		// "every 3 minutes, minutes 0 through 20 past the hour": a range
		// that the rhythm runs within.
		a, b := atoi(x.Words[0].From), atoi(x.Words[0].To)
		if a > 59 || b > 59 || b < a {
			c.fail(x.Pos, text, ErrRange, "", "minutes run from 0 to 59")
			return
		}
		c.minuteRng = []int{a, b}
	case x.Words != nil:
		c.minuteItems(x.Words)
	case x.Words2 != nil:
		c.minuteItems(x.Words2)
	case x.Range != nil:
		it := x.Range[0]
		a, b := atoi(it.From), atoi(it.From)
		if it.To != "" {
			b = atoi(it.To)
		}
		if a > 59 || b > 59 || b < a {
			c.fail(x.Pos, text, ErrRange, "", "minutes run from 0 to 59")
			return
		}
		c.minuteRng = []int{a, b}
	case x.Marks != nil:
		for _, m := range x.Marks {
			if !c.addMinute(x.Pos, atoi(m[1:]), m) {
				return
			}
		}
	case x.TopOfHour:
		c.addMinute(x.Pos, 0, text)
	case x.HalfHour:
		c.addMinute(x.Pos, 30, text)
	case x.OnMinute:
		c.onMinute = true
	case x.Past != nil:
		c.minuteItems(x.Past)
	case x.Rel != nil:
		for _, r := range x.Rel {
			v := 0
			switch {
			case r.Quarter:
				v = 15
			case r.Half:
				v = 30
			case r.Word != nil:
				v = r.Word.value()
			default:
				v = atoi(r.Num)
			}
			switch strings.ToLower(r.Rel) {
			case "to", "before", "till":
				if v > 59 || v == 0 {
					c.fail(r.Pos, text, ErrRange, "", "%d minutes to the hour is out of range", v)
					return
				}
				v = 60 - v
			}
			if !c.addMinute(r.Pos, v, text) {
				return
			}
		}
	}
}

// ---- start and offset ----

func (c *collector) start(x *startClause, end int) {
	text := c.span(x.Pos, end)
	switch {
	case x.Offset != "":
		v := atoi(x.Offset)
		if v > 59 {
			c.fail(x.Pos, text, ErrRange, "", "an offset of %d minutes is out of range (0-59)", v)
			return
		}
		c.offset = v
	case x.Mark != "":
		c.startMin = atoi(x.Mark[1:])
	case x.Minute != "":
		c.startMin = ordinalValue(x.Minute)
		if x.Minute[len(x.Minute)-1] >= '0' && x.Minute[len(x.Minute)-1] <= '9' {
			c.startMin = atoi(x.Minute)
		}
		if c.startMin > 59 {
			c.fail(x.Pos, text, ErrRange, "", "minute %d is out of range (0-59)", c.startMin)
		}
	case x.Hour != "":
		c.startHour = ordinalValue(x.Hour)
		if x.Hour[len(x.Hour)-1] >= '0' && x.Hour[len(x.Hour)-1] <= '9' {
			c.startHour = atoi(x.Hour)
		}
		if c.startHour > 23 {
			c.fail(x.Pos, text, ErrRange, "", "hour %d is out of range (0-23)", c.startHour)
		}
	case x.Day != "":
		c.startDay = ordinalValue(x.Day)
		if x.Day[len(x.Day)-1] >= '0' && x.Day[len(x.Day)-1] <= '9' {
			c.startDay = atoi(x.Day)
		}
		if c.startDay < 1 || c.startDay > 31 {
			c.fail(x.Pos, text, ErrRange, "", "day %d is out of range (1-31)", c.startDay)
		}
	case x.Month != "":
		if x.Month[0] >= '0' && x.Month[0] <= '9' {
			c.startMonth = atoi(x.Month)
		} else {
			c.startMonth = monthValue(x.Month)
		}
		if c.startMonth < 1 || c.startMonth > 12 {
			c.fail(x.Pos, text, ErrRange, "", "month %d is out of range (1-12)", c.startMonth)
		}
	case x.Time != nil:
		ct, ok := c.clock(x.Time, true)
		if ok {
			c.startTime = &ct
		}
	}
}

func (c *collector) refuse(x *refusalClause, end int) {
	text := c.span(x.Pos, end)
	switch w := strings.ToLower(x.Word); w {
	case "second", "seconds", "sec", "secs":
		c.failSeconds(x.Pos, text)
	case "for", "until", "till":
		c.fail(x.Pos, text, ErrUnsupported, "", "a cron expression repeats forever; it cannot stop after a count or a date (%q)", text)
	case "times", "twice", "thrice":
		c.fail(x.Pos, text, ErrUnsupported, "", "a cron expression repeats forever; it cannot run a number of times (%q)", text)
	case "between":
		c.fail(x.Pos, text, ErrSyntax, "between 9am and 5pm", "%q needs two times: \"between 9am and 5pm\"", text)
	default:
		c.fail(x.Pos, text, ErrUnsupported, "", "cron can only leave out weekdays; it cannot express %q", text)
	}
}
