package nlcron

import (
	"fmt"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"
)

// Parts of the day: "every morning at 7", "at 7 in the evening",
// "nightly at 11". A part of the day never makes a time by itself; it
// says which half of the day an hour without am/pm is in, by one rule
// (dayPartHour) whether it comes as a rhythm ("every evening", a
// partClause, or "every night" and "nightly", intervalClauses) or after
// the time ("in the evening", "at night", a suffix of tod).

// notePart records the part of the day that clause i of p names as a
// rhythm, before the clauses are collected: a time may come first ("at 6
// every evening").
func (c *collector) notePart(p *phrase, i int, cl clause) {
	var part string
	var pos lexer.Position
	needsTime := false
	switch x := cl.(type) {
	case *partClause:
		// "mornings", "every morning", "in the morning", "at night"
		words := strings.Fields(strings.ToLower(x.Part))
		part = strings.TrimSuffix(words[len(words)-1], "s")
		pos, needsTime = x.Pos, true
	case *intervalClause:
		if strings.EqualFold(x.Adverb, "nightly") ||
			x.Unit != nil && (strings.EqualFold(x.Unit.Word, "night") || strings.EqualFold(x.Unit.Word, "nights")) {
			part, pos = "night", x.Pos
		}
	}
	if part == "" || c.failed() {
		return
	}
	end := len(c.in)
	if i+1 < len(p.Clauses) {
		end = clausePos(p.Clauses[i+1]).Offset
	}
	text := c.span(pos, end)
	if c.dayPart != "" && c.dayPart != part {
		c.fail(pos, text, ErrUnsupported, "",
			"%q and %q need different hours; use one schedule for each part of the day", c.dayPartText, text)
		return
	}
	if c.dayPart == "" {
		c.dayPart, c.dayPartPos, c.dayPartText = part, pos, text
	}
	c.partNeedsT = c.partNeedsT || needsTime
}

// dayPartHour applies part of the day part to ct, a time read from text.
// It is the one rule for every way of naming a part of the day:
//
//   - A time without am/pm (an hour from 1 to 12, "7:30", "half past
//     seven", "seven o'clock") is in the part's half of the day: morning
//     is am (12 is midnight); afternoon is pm (12 is noon); evening is pm
//     (12 is midnight); night is pm from 6 to 11 and am from 12 (midnight)
//     to 5.
//   - A time that says am or pm, noon or midnight, or is written on the
//     24-hour clock (a leading zero, 0 or 13-23: "08:00", "18:00") is
//     kept, and must lie in the part: morning 00:00-11:59, afternoon
//     12:00-23:59, evening 13:00-00:59, night 18:00-05:59. Otherwise the
//     phrase contradicts itself and is refused.
//   - An evening or night time after midnight with named weekdays is
//     refused (see checkDayPart).
//
// It reports false when it recorded an error.
func (c *collector) dayPartHour(ct *clockTime, part string, explicit bool, text string) bool {
	if !explicit {
		switch part {
		case "morning":
			if ct.h == 12 {
				ct.h = 0
			}
		case "afternoon":
			if ct.h < 12 {
				ct.h += 12
			}
		case "evening":
			if ct.h == 12 {
				ct.h = 0
			} else if ct.h < 12 {
				ct.h += 12
			}
		case "night":
			if ct.h == 12 {
				ct.h = 0
			} else if ct.h >= 6 && ct.h < 12 {
				ct.h += 12
			}
		}
	} else if !inDayPart(ct.h, part) {
		sugg := ""
		if off := ct.pos.Offset; off+len(text) <= len(c.in) && strings.EqualFold(c.in[off:off+len(text)], text) {
			sugg = c.in[:off] + partReading(ct.h, ct.m, part) + c.in[off+len(text):]
		}
		c.fail(ct.pos, text, ErrRange, sugg, "%q is not in the %s (%s)", text, part, dayPartSpans[part])
		return false
	}
	if (part == "evening" || part == "night") && ct.h < 6 {
		c.partTimes = append(c.partTimes, partTime{pos: ct.pos, text: text, part: part, h: ct.h, m: ct.m})
	}
	return true
}

// dayPartSpans says, for error messages, which times a part of the day holds.
var dayPartSpans = map[string]string{
	"morning":   "12am to 11:59am",
	"afternoon": "12pm to 11:59pm",
	"evening":   "1pm to 12:59am",
	"night":     "6pm to 5:59am",
}

// inDayPart reports whether h:m lies in part, as dayPartSpans says.
func inDayPart(h int, part string) bool {
	switch part {
	case "morning":
		return h < 12
	case "afternoon":
		return h >= 12
	case "evening":
		return h >= 13 || h == 0
	}
	return h >= 18 || h < 6 // night
}

// partReading writes the hour of h:m on the 12-hour clock, read in part
// of the day as dayPartHour reads an hour without am/pm: 18:00 in the
// morning is "6am".
func partReading(h, m int, part string) string {
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	ct := clockTime{h: h12, m: m}
	var c collector
	c.dayPartHour(&ct, part, false, "")
	return clock12(ct.h, ct.m)
}

// clock12 writes h:m as "5pm", "5:30am" or "midnight".
func clock12(h, m int) string {
	if h == 0 && m == 0 {
		return "midnight"
	}
	mer := "am"
	if h >= 12 {
		mer = "pm"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if m == 0 {
		return fmt.Sprintf("%d%s", h12, mer)
	}
	return fmt.Sprintf("%d:%02d%s", h12, m, mer)
}

// articled is "the morning", or "tonight".
func articled(part string) string {
	if part == "tonight" {
		return part
	}
	return "the " + part
}

// defaultPartTimes are the times suggestions offer for a part of the day.
var defaultPartTimes = map[string]string{"morning": "8am", "afternoon": "2pm", "evening": "6pm", "night": "10pm"}

// partWindows are the windows suggestions offer for a rhythm within a
// part of the day ("every hour in the morning").
var partWindows = map[string]string{"morning": "between 8am and noon", "afternoon": "between noon and 6pm",
	"evening": "between 6pm and 10pm", "night": "between 10pm and midnight"}

// joinWords joins the non-empty parts with single spaces.
func joinWords(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// checkDayPart refuses, once the clauses are collected, a part of the day
// that has no time to apply to ("every morning" alone: cron cannot tell
// when the morning is), and an evening or night time after midnight on
// named weekdays ("every friday night at 1" is Saturday at 01:00, which a
// cron on Fridays would not run).
func (c *collector) checkDayPart() {
	if c.partNeedsT && len(c.times) == 0 && len(c.windows) == 0 && c.startTime == nil && c.hoursList == nil {
		start, end := c.dayPartPos.Offset, c.dayPartPos.Offset+len(c.dayPartText)
		at := defaultPartTimes[c.dayPart]
		sugg := c.in[:end] + " at " + at + c.in[end:]
		if low := strings.ToLower(c.dayPartText); strings.HasPrefix(low, "in ") || strings.HasPrefix(low, "at ") {
			// "mondays in the morning": "mondays at 8 in the morning".
			sugg = c.in[:start] + "at " + strings.TrimRight(at, "apm") + " " + c.in[start:]
		}
		if c.subDaily() {
			// "every hour in the morning": a window, not one time.
			w := joinWords(strings.TrimSpace(c.in[:start]), strings.TrimSpace(c.in[end:]), partWindows[c.dayPart])
			if parses(w) {
				sugg = w
			}
		}
		c.fail(c.dayPartPos, c.dayPartText, ErrSyntax, strings.TrimSpace(sugg),
			"%q needs a time of day: cron cannot tell when the %s starts", c.dayPartText, c.dayPart)
		return
	}
	if c.dow == nil || len(c.partTimes) == 0 {
		return
	}
	pt := c.partTimes[0]
	sugg := ""
	if len(c.times) == 1 && len(c.partTimes) == 1 && len(c.windows) == 0 && len(c.dow.special) == 0 {
		days := c.dow.values()
		list := dAppendList([]byte("every "), len(days), "and", func(b []byte, i int) []byte {
			return append(b, strings.ToLower(weekdayNames[(days[i]+1)%7])...)
		})
		sugg = string(list) + " at " + clock12(pt.h, pt.m)
	}
	c.fail(pt.pos, pt.text, ErrUnsupported, sugg,
		"%q in the %s is after midnight: cron would run it in the early hours of %s, not in the night after; name the day it falls on",
		pt.text, pt.part, describeDow(c.dow))
}

// failOnce refuses a day that comes once ("tonight", "this morning",
// "tomorrow"), suggesting the rhythm the phrase may mean.
func (c *collector) failOnce(pos lexer.Position, word string) {
	w := strings.ToLower(word)
	repl := "every day"
	switch w {
	case "tonight", "night":
		repl = "every night"
	case "morning", "afternoon", "evening", "week", "month", "year", "weekend":
		repl = "every " + w // "this morning", "next week"
	default:
		if d, ok := dayNumbers[w[:min(3, len(w))]]; ok {
			repl = "every " + strings.ToLower(weekdayNames[d]) // "next mon": "every monday"
		}
	}
	start, end := pos.Offset, pos.Offset+len(word)
	if i := strings.Index(strings.ToLower(c.in[start:]), w); i >= 0 {
		end = start + i + len(w)
		if w == "tonight" {
			// "at 9 tonight": point at "tonight", not at the time.
			start = start + i
			pos.Offset = start
			pos.Line, pos.Column = lineCol(c.in, start)
		}
	}
	text := c.in[start:end]
	sugg := strings.TrimSpace(c.in[:start] + repl + c.in[end:])
	// The suggestion must parse. It is checked only when no other one-off
	// day is left in it, so that refusals do not nest.
	if hasOneOff(sugg) || !parses(sugg) {
		part := strings.TrimPrefix(repl, "every ")
		t, ok := defaultPartTimes[part]
		if !ok {
			t = "9am"
		}
		sugg = repl + " at " + t
	}
	c.fail(pos, text, ErrUnsupported, sugg, "%q happens once, but a cron expression repeats; say how often it runs", text)
}

// subDaily reports whether the phrase has a rhythm of minutes or hours.
func (c *collector) subDaily() bool {
	for _, iv := range c.intervals {
		if iv.u == uMinute || iv.u == uHour {
			return true
		}
	}
	return false
}

// hasOneOff reports whether s names a day that comes once.
func hasOneOff(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"tonight", "today", "tomorrow", "this morning", "this afternoon", "this evening", "this night"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// parses reports whether Parse accepts s.
func parses(s string) bool {
	_, err := parse(s, options{loc: time.UTC})
	return err == nil
}
