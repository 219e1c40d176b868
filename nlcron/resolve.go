package nlcron

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// cronFields is the result of translation before validation.
type cronFields struct {
	min, hour, dom, month, dow *field
	warnings                   []string
}

func (f *cronFields) String() string {
	var buf [128]byte
	b := f.min.appendText(buf[:0])
	b = f.hour.appendText(append(b, ' '))
	b = f.dom.appendText(append(b, ' '))
	b = f.month.appendText(append(b, ' '))
	b = f.dow.appendText(append(b, ' '))
	return string(b)
}

// monthsOfLength names the months of each length, for warnings.
var monthsOfLength = map[int]string{28: "February", 29: "February of a leap year", 30: "30-day months", 31: "31-day months"}

// plural is "1 day" or "2 days".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func (c *collector) warn(out *cronFields, format string, args ...any) {
	out.warnings = append(out.warnings, fmt.Sprintf(format, args...))
}

// resolve combines the collected facts into the five fields of out; it
// reports false when it recorded an error instead. out is the caller's so
// that it can live on the caller's stack.
func (c *collector) resolve(out *cronFields) bool {
	start := lexer.Position{Offset: 0, Line: 1, Column: 1}
	if c.dayPart != "" || len(c.partTimes) > 0 {
		if c.checkDayPart(); c.failed() {
			return false
		}
	}

	// The finest interval sets the granularity; coarser intervals of one
	// ("every minute, every hour, every day") add nothing, coarser steps
	// ("every minute of every 2 hours") restrict their own field.
	var byUnit [uYear + 1]*interval
	g := unit(-1)
	for i := range c.intervals {
		iv := &c.intervals[i]
		if prev := byUnit[iv.u]; prev != nil && (prev.n != iv.n || prev.dowStep != iv.dowStep) {
			c.fail(iv.pos, iv.text, ErrSyntax, "", "two different rhythms: %q and %q", prev.text, iv.text)
			return false
		}
		byUnit[iv.u] = iv
		if g < 0 || iv.u < g {
			g = iv.u
		}
	}
	if c.domStep > 0 && (g < 0 || g > uDay) {
		g = uDay
	}
	explicitDays := c.dow != nil || c.dom != nil || len(c.dates) > 0 || c.dowExcept != nil
	if g < 0 {
		switch {
		case len(c.times) > 0 || c.freqHours != nil:
			g = uDay
		case c.minutes != nil || len(c.windows) > 0 || c.onMinute || c.freqMins != nil || c.hoursList != nil || c.minuteRng != nil:
			g = uHour
			if c.onMinute {
				g = uMinute
			}
		case explicitDays:
			g = uDay
		case c.months != nil && c.monthEvery:
			g = uMonth
		case c.months != nil:
			c.fail(c.monthPos, c.span(c.monthPos, len(c.in)), ErrSyntax, "every day in "+c.span(c.monthPos, len(c.in)),
				"no rhythm: say how often within these months, e.g. \"every day\"")
			return false
		case c.startTime != nil:
			g = uDay
		default:
			text := strings.TrimSpace(c.in)
			c.fail(start, text, ErrSyntax, "every day at 9am", "no schedule found in %q", text)
			return false
		}
	}
	if c.onMinute && g > uMinute {
		g = uMinute
	}

	out.min = c.resolveMinutes(byUnit[:], g)
	if c.failed() {
		return false
	}
	out.hour = c.resolveHours(byUnit[:], g, out.min)
	if c.failed() {
		return false
	}
	c.resolveDays(byUnit[:], g, out)
	if c.failed() {
		return false
	}
	c.stepWarnings(out, byUnit[:])
	return true
}

// resolveMinutes builds the minute field.
func (c *collector) resolveMinutes(byUnit []*interval, g unit) *field {
	iv := byUnit[uMinute]
	var f *field
	switch {
	case iv != nil || c.onMinute:
		n := 1
		if iv != nil {
			n = iv.n
		}
		switch {
		case c.startMin >= 0:
			f = rangeField(0, 59, c.startMin, 59, n)
			if c.startMin >= n && n > 1 && c.startTime == nil {
				// "every 15 minutes starting at minute 20" still runs at :05 next hour.
				f = rangeField(0, 59, c.startMin, 59, n)
			}
		case c.minuteRng != nil:
			f = rangeField(0, 59, c.minuteRng[0], c.minuteRng[1], n)
		case c.startTime != nil:
			st := c.startTime
			if st.m >= n {
				c.fail(st.pos, st.text, ErrUnsupported, "", "every %d minutes starting at %02d:%02d cannot be one cron: the first hour would differ from the others", n, st.h, st.m)
				return nil
			}
			f = rangeField(0, 59, st.m, 59, n)
			if st.m == 0 {
				f = starField(0, 59, n)
			}
		default:
			f = starField(0, 59, n)
		}
		if c.minutes != nil {
			// "every 20 minutes and at 5 minutes past the hour"
			f.set |= c.minutes.set
		}
		if iv != nil && iv.n > 1 && c.minuteRng != nil && c.startMin < 0 {
			f = rangeField(0, 59, c.minuteRng[0], c.minuteRng[1], n)
		}
		for _, t := range c.times {
			if c.minutes != nil || c.minuteRng != nil {
				break // the minutes are given separately: "at 01:00 AM" names the hour
			}
			if !t.hourOnly || t.m != 0 {
				c.fail(t.pos, t.text, ErrUnsupported, fmt.Sprintf("every %d minutes from %d:%02d to %d:59", n, t.h, t.m, t.h),
					"%q is a single minute, but the rhythm is every %d minute(s); name an hour (\"at 6am\") or a window", t.text, n)
				return nil
			}
		}
		return f
	case c.minutes != nil:
		f = c.minutes
	case c.freqMins != nil:
		f = c.freqMins
	case c.minuteRng != nil:
		f = rangeField(0, 59, c.minuteRng[0], c.minuteRng[1], 1)
	case len(c.times) > 0:
		f = newField(0, 59)
		for _, t := range c.times {
			f.add(t.m)
		}
	case c.startTime != nil:
		f = newField(0, 59)
		f.add(c.startTime.m)
	case c.offset >= 0:
		f = newField(0, 59)
		f.add(c.offset)
	case c.startMin >= 0:
		f = newField(0, 59)
		f.add(c.startMin)
	default:
		f = newField(0, 59)
		f.add(0)
	}
	if c.offset >= 0 && f.set != 1<<uint(c.offset) {
		if f.set == 1 {
			f = newField(0, 59)
			f.add(c.offset)
		}
	}
	return f
}

// resolveHours builds the hour field; minutes may be narrowed by a window.
func (c *collector) resolveHours(byUnit []*interval, g unit, minutes *field) *field {
	iv := byUnit[uHour]
	var f *field
	pinned := c.minutes != nil || c.minuteRng != nil || byUnit[uMinute] != nil || c.onMinute
	if len(c.times) > 0 {
		if len(c.windows) > 0 && !pinned {
			w := c.windows[0]
			c.fail(w.pos, w.text, ErrUnsupported, "", "both a time of day and a window %q: pick one", w.text)
			return nil
		}
		if !pinned {
			c.checkProduct()
		}
		if c.failed() {
			return nil
		}
	}
	switch {
	case iv != nil:
		n := iv.n
		startH := 0
		switch {
		case c.startHour >= 0:
			startH = c.startHour
		case c.startTime != nil:
			startH = c.startTime.h
		}
		switch {
		case len(c.windows) > 0:
			f = c.windowHours(minutes, n, true)
		case startH > 0:
			f = rangeField(0, 23, startH, 23, n)
		default:
			f = starField(0, 23, n)
		}
		if c.hoursList != nil {
			// "every 6 hours and during hours 1 AM"
			f.set |= c.hoursList.set
		}
		if len(c.times) > 0 && !c.failed() {
			if n > 1 {
				// "on the hour, every 4 hours and at 06:00 AM"
				for _, t := range c.times {
					f.add(t.h)
				}
			}
			if c.minutes == nil {
				// "every hour at 12:15am": the minute of the time, every hour.
				minutes.set = 0
				for _, t := range c.times {
					minutes.add(t.m)
				}
			}
		}
	case len(c.times) > 0:
		f = newField(0, 23)
		if len(c.windows) > 0 {
			f = c.windowHours(minutes, 1, false)
			if f == nil {
				return nil
			}
		}
		for _, t := range c.times {
			f.add(t.h)
		}
	case len(c.windows) > 0:
		f = c.windowHours(minutes, 1, false)
	case c.hoursList != nil:
		f = c.hoursList
	case c.freqHours != nil:
		f = c.freqHours
	case c.startTime != nil && g == uMinute:
		f = rangeField(0, 23, c.startTime.h, 23, 1)
	case c.startTime != nil:
		f = newField(0, 23)
		f.add(c.startTime.h)
	case g <= uHour:
		f = starField(0, 23, 1)
	case (c.minutes != nil || c.minuteRng != nil) && g == uDay && (byUnit[uDay] == nil || byUnit[uDay].n == 1) && c.freqHours == nil:
		// "every day at minutes 0,30": each hour.
		f = starField(0, 23, 1)
	default:
		f = newField(0, 23)
		f.add(0)
	}
	return f
}

// checkProduct refuses time lists that are not a product of minutes and
// hours: "at 9:15 and 17:30" would also fire at 9:30 and 17:15.
func (c *collector) checkProduct() {
	hours := map[int]bool{}
	mins := map[int]bool{}
	pairs := map[[2]int]bool{}
	for _, t := range c.times {
		hours[t.h], mins[t.m], pairs[[2]int{t.h, t.m}] = true, true, true
	}
	if len(pairs) == len(hours)*len(mins) {
		return
	}
	var missing []string
	for h := range 24 {
		for m := range 60 {
			if hours[h] && mins[m] && !pairs[[2]int{h, m}] {
				missing = append(missing, fmt.Sprintf("%d:%02d", h, m))
			}
		}
	}
	t := c.times[0]
	c.fail(t.pos, c.span(t.pos, len(c.in)), ErrUnsupported, "",
		"one cron expression cannot fire at exactly these times: it would also fire at %s; use one schedule per time", strings.Join(missing, ", "))
}

// windowHours intersects the windows with a rhythm whose minutes are
// given, stepping hours by n from each window's start. It narrows minutes
// when a window lies within one hour.
//
// The rule for the end of a window: both ends are included. A rhythm that
// runs several times an hour and ends on a whole hour ("every 5 minutes
// from 9am to 5pm") stops before that hour instead of running once at
// 17:00, as people mean it and as one cron can say it.
//
// With an hourly rhythm ("every 2 hours from 7 AM through 11 PM") a
// window that ends on a named hour includes that whole hour.
func (c *collector) windowHours(minutes *field, n int, hourRhythm bool) *field {
	hours := newField(0, 23)
	var narrowed *field
	for _, w := range c.windows {
		from, to := w.from, w.to
		if hourRhythm && to.hourOnly && to.m == 0 {
			to.m = 59
		}
		if w.hourly {
			for h := from.h; h <= to.h; h += n {
				hours.add(h)
			}
			continue
		}
		var hs []int
		for h := from.h; ; h = (h + 1) % 24 {
			hs = append(hs, h)
			if h == to.h {
				break
			}
		}
		if len(hs) == 1 && (to.h*60+to.m) < (from.h*60+from.m) {
			hs = nil // overnight window inside one hour: 23:30 to 23:10
			for i := range 25 {
				hs = append(hs, (from.h+i)%24)
			}
		}
		if len(hs) == 1 {
			within := minutes.set & fullMask(from.m, to.m)
			if within == 0 {
				c.fail(w.pos, w.text, ErrRange, "", "nothing runs within %q", w.text)
				return nil
			}
			if within != minutes.set {
				narrowed = &field{lo: 0, hi: 59, set: within}
			}
			hours.add(hs[0])
			continue
		}
		first := minutes.set & fullMask(from.m, 59)
		last := minutes.set & fullMask(0, to.m)
		if first != minutes.set && first != 0 {
			c.fail(w.pos, w.text, ErrUnsupported, fmt.Sprintf("from %d:00", (from.h+1)%24),
				"one cron expression cannot start at %02d:%02d: the first hour would run at different minutes from the others", from.h, from.m)
			return nil
		}
		if first == 0 {
			hs = hs[1:]
		}
		switch {
		case last == minutes.set && !(w.dropEndHr && to.m == 0 && minutes.count() > 1):
		case last == 0, w.dropEndHr && to.m == 0 && last == 1 && minutes.count() > 1:
			hs = hs[:len(hs)-1]
		default:
			c.fail(w.pos, w.text, ErrUnsupported, fmt.Sprintf("to %d:59", (to.h+23)%24),
				"one cron expression cannot stop at %02d:%02d: the last hour would run at different minutes from the others", to.h, to.m)
			return nil
		}
		for i, h := range hs {
			if i%n == 0 {
				hours.add(h)
			}
		}
	}
	if narrowed != nil {
		if len(c.windows) > 1 {
			c.fail(c.windows[0].pos, c.windows[0].text, ErrUnsupported, "", "these windows need different minutes")
			return nil
		}
		*minutes = *narrowed
	}
	if hours.empty() {
		w := c.windows[0]
		c.fail(w.pos, w.text, ErrRange, "", "nothing runs within %q", w.text)
		return nil
	}
	return hours
}

// resolveDays builds day of month, month and day of week.
func (c *collector) resolveDays(byUnit []*interval, g unit, out *cronFields) {
	// Months.
	months := c.months
	for _, d := range c.dates {
		if months == nil {
			months = newField(1, 12)
		}
		months.add(d.month)
	}
	if iv := byUnit[uMonth]; iv != nil && iv.n > 1 {
		step := starField(1, 12, iv.n)
		if c.startMonth > 0 {
			step = rangeField(1, 12, c.startMonth, 12, iv.n)
		}
		if months != nil && months.count() == 1 {
			// "every 3 months from january": a start, not a range.
			step = rangeField(1, 12, months.values()[0], 12, iv.n)
		} else if months != nil {
			// "every 2 months, March through December"
			vals := months.values()
			step = newField(1, 12)
			for m := vals[0]; m <= vals[len(vals)-1]; m += iv.n {
				if months.has(m) {
					step.add(m)
				}
			}
		}
		months = step
	} else if c.startMonth > 0 && byUnit[uMonth] != nil {
		months = rangeField(1, 12, c.startMonth, 12, 1)
	}
	if iv := byUnit[uQuarter]; iv != nil && months == nil {
		months = rangeField(1, 12, 1, 10, 3)
		if c.startMonth > 0 {
			months = rangeField(1, 12, (c.startMonth-1)%3+1, 12, 3)
		}
	}
	if months == nil && g == uYear {
		months = newField(1, 12)
		months.add(1)
	}
	if months == nil {
		months = starField(1, 12, 1)
	}
	out.month = months

	// Days of the month.
	dom := c.dom
	if len(c.dates) > 0 {
		if dom == nil {
			dom = newField(1, 31)
		}
		// All dates must share their days or their month, or the product
		// would add dates nobody asked for.
		ms := map[int]bool{}
		ds := map[int]bool{}
		pairs := map[[2]int]bool{}
		for _, d := range c.dates {
			for _, day := range d.days {
				ms[d.month], ds[day], pairs[[2]int{d.month, day}] = true, true, true
				dom.add(day)
			}
		}
		if len(pairs) != len(ms)*len(ds) {
			d := c.dates[0]
			c.fail(d.pos, c.span(d.pos, len(c.in)), ErrUnsupported, "", "one cron expression cannot fire on exactly these dates; use one schedule per date")
			return
		}
		if c.months != nil && len(c.dates) > 0 {
			// "every day in june on july 4th" makes little sense
			for m := range ms {
				if !c.months.has(m) {
					c.fail(c.dates[0].pos, c.span(c.dates[0].pos, len(c.in)), ErrSyntax, "", "the date is outside the months named")
					return
				}
			}
		}
	}
	if c.bareDom != nil && dom != nil {
		monthly := byUnit[uMonth] != nil || byUnit[uQuarter] != nil || byUnit[uYear] != nil || c.months != nil || len(c.dates) > 0
		if !monthly {
			p := *c.bareDom
			num := c.in[p.Offset:]
			if i := strings.IndexAny(num, " ,"); i > 0 {
				num = num[:i]
			}
			c.fail(p, num, ErrSyntax, "on the "+ordinalSuffix(num), "a bare number %q is ambiguous here: say \"on the %s\" for a day of the month or \"at %s:00\" for a time", num, ordinalSuffix(num), num)
			return
		}
	}
	if iv := byUnit[uDay]; iv != nil && iv.n > 1 && !iv.dowStep {
		if dom != nil {
			c.fail(iv.pos, iv.text, ErrUnsupported, "", "both a step of days and named days of the month")
			return
		}
		if c.startDay > 0 {
			dom = rangeField(1, 31, c.startDay, 31, iv.n)
		} else {
			dom = starField(1, 31, iv.n)
		}
	}
	if c.domStep > 0 {
		step := starField(1, 31, c.domStep)
		if c.domStepRng[0] > 0 {
			step = rangeField(1, 31, c.domStepRng[0], c.domStepRng[1], c.domStep)
		}
		if dom != nil {
			step.set |= dom.set // "every other day and the 4th"
			step.special = dom.special
		}
		dom = step
	}

	// Days of the week.
	dow := c.dow
	if c.instance != "" {
		if dow == nil || dow.count() != 1 {
			c.fail(c.dowPos, "", ErrSyntax, "", "\"day instance\" needs exactly one weekday")
			return
		}
		d := dow.values()[0]
		dow = newField(0, 6)
		dow.special = []string{strconv.Itoa(d) + c.instance}
	}
	if c.dowExcept != nil {
		if dow == nil {
			dow = rangeField(0, 6, 0, 6, 1)
		}
		dow.set &^= c.dowExcept.set
		if dow.empty() {
			c.fail(c.dowPos, "", ErrRange, "", "no days are left after the exceptions")
			return
		}
	}
	if c.weekIdx >= 0 {
		if dow == nil {
			dow = newField(0, 6)
		}
		dow.add(c.weekIdx)
	}
	if iv := byUnit[uDay]; iv != nil && iv.dowStep {
		step := starField(0, 6, iv.n)
		if dow != nil {
			// "every 2 days of the week, Sunday through Thursday"
			step = newField(0, 6)
			first := c.dowFirst
			if first == nil {
				first = dow
			}
			vals := first.values()
			if len(vals) > 0 {
				for v := vals[0]; v <= vals[len(vals)-1]; v += iv.n {
					if first.has(v) {
						step.add(v)
					}
				}
			}
			step.set |= dow.set &^ first.set
			step.special = dow.special
		}
		dow = step
	}
	if byUnit[uWeek] != nil && dow == nil && dom == nil {
		dow = newField(0, 6)
		dow.add(0)
	}
	if byUnit[uWeek] != nil && dom != nil && c.dow == nil {
		c.fail(byUnit[uWeek].pos, byUnit[uWeek].text, ErrSyntax, "", "a weekly rhythm with a day of the month: say \"every month on the ...\"")
		return
	}

	if dom == nil && dow == nil && (g == uMonth || g == uQuarter || g == uYear) {
		dom = newField(1, 31)
		dom.add(1)
	}
	if dom == nil {
		dom = starField(1, 31, 1)
	}
	if dow == nil {
		dow = starField(0, 6, 1)
	}
	if dom.full() && !dom.star && len(dom.special) == 0 && !dow.star && c.dayLink != "or" {
		dom = starField(1, 31, 1)
	}

	switch {
	case c.dayLink == "if":
		d, w, ok := andDayFields(dom.String(), dow.String())
		if !ok {
			c.fail(c.dowPos, "", ErrUnsupported, "", "no cron expression requires both these days of the month and these weekdays")
			return
		}
		out.dom, out.dow = &field{lo: 1, hi: 31, star: true, special: []string{d}}, &field{lo: 0, hi: 6, special: []string{w}}
		out.dom = textField(d)
		out.dow = textField(w)
		return
	case c.dayLink == "or":
		if dom.star {
			dom.star = false
		}
		if dow.star && !dow.full() {
			dow.star = false
		}
	}
	if !dom.star && !dow.star && c.dayLink == "" {
		c.warn(out, "cron runs on a day when either the day of the month or the weekday matches (%s or %s), not only when both do", describeDom(dom), describeDow(dow))
	}
	if dom.star && dom.step > 1 && !dow.star {
		c.warn(out, "the day step counts days of the month (%s), so only %s that fall on those days run", describeDom(dom), describeDow(dow))
	}
	// Impossible dates: "february 30th".
	if !dom.star && len(dom.special) == 0 && !months.star {
		possible := false
		for _, m := range months.values() {
			for _, d := range dom.values() {
				if d <= monthDays[m] {
					possible = true
				}
			}
		}
		if !possible && dow.star {
			pos := c.domPos
			if len(c.dates) > 0 {
				pos = c.dates[0].pos
			}
			c.fail(pos, c.span(pos, len(c.in)), ErrRange, "", "%s never has day %s", monthList(months), dom.String())
			return
		}
	}
	if !dom.star && len(dom.special) == 0 && dow.star {
		var short []string
		for _, d := range dom.values() {
			if d >= 29 {
				short = append(short, ordinalSuffix(strconv.Itoa(d)))
			}
		}
		if len(short) > 0 && dom.count() == len(short) {
			skipped := 0
			for _, m := range months.values() {
				if dom.values()[0] > monthDays[m] || (m == 2 && dom.values()[0] == 29) {
					skipped++
				}
			}
			if skipped > 0 {
				c.warn(out, "months without a %s are skipped", short[0])
			}
		}
	}
	out.dom, out.dow = dom, dow
}

// textField wraps already formatted cron text.
func textField(s string) *field {
	return &field{special: []string{s}}
}

func monthList(f *field) string {
	var names []string
	for _, m := range f.values() {
		names = append(names, monthNames[m])
	}
	return strings.Join(names, ", ")
}

func describeDom(f *field) string {
	if f.star {
		return "days " + f.String()
	}
	var parts []string
	for _, v := range f.values() {
		parts = append(parts, ordinalSuffix(strconv.Itoa(v)))
	}
	parts = append(parts, f.special...)
	if len(parts) > 6 {
		parts = append(parts[:6], "...")
	}
	return "the " + strings.Join(parts, ", ")
}

func describeDow(f *field) string {
	var parts []string
	for _, v := range f.values() {
		parts = append(parts, weekdayNames[v]+"s")
	}
	parts = append(parts, f.special...)
	return strings.Join(parts, ", ")
}

// stepWarnings explains where a */n rhythm breaks because n does not
// divide its cycle: "every 7 minutes" runs at :56 and then at :00.
func (c *collector) stepWarnings(out *cronFields, byUnit []*interval) {
	if iv := byUnit[uMinute]; iv != nil && iv.n > 1 {
		vals := out.min.values()
		if len(vals) > 1 && out.min.hi-vals[len(vals)-1]+vals[0]+1 != iv.n && (out.min.star || vals[len(vals)-1]+iv.n > 59) {
			last, first := vals[len(vals)-1], vals[0]
			c.warn(out, "every %d minutes restarts each hour: after :%02d the next run is :%02d, %d minutes later, not %d",
				iv.n, last, first, 60-last+first, iv.n)
		}
	}
	if iv := byUnit[uHour]; iv != nil && iv.n > 1 && (out.hour.star || c.startHour > 0 || c.startTime != nil) {
		vals := out.hour.values()
		if len(vals) > 1 && 24-vals[len(vals)-1]+vals[0] != iv.n {
			last, first := vals[len(vals)-1], vals[0]
			c.warn(out, "every %d hours restarts each day: after %02d:00 the next run is %02d:00, %d hours later, not %d",
				iv.n, last, first, 24-last+first, iv.n)
		}
	}
	if iv := byUnit[uDay]; iv != nil && iv.n > 1 && !iv.dowStep {
		vals := out.dom.values()
		if len(vals) > 0 {
			last, first := vals[len(vals)-1], vals[0]
			var parts []string
			for _, ml := range []int{28, 29, 30, 31} {
				l := last
				for l > ml {
					l -= iv.n
				}
				if gap := ml - l + first; gap != iv.n {
					parts = append(parts, fmt.Sprintf("in %s, after the %s the next run is the %s, %s later, not %d",
						monthsOfLength[ml], ordinalSuffix(strconv.Itoa(l)), ordinalSuffix(strconv.Itoa(first)), plural(gap, "day"), iv.n))
				}
			}
			if len(parts) > 0 {
				c.warn(out, "every %d days restarts each month (on the %s): %s", iv.n, ordinalSuffix(strconv.Itoa(first)), strings.Join(parts, "; "))
			}
		}
	}
	if iv := byUnit[uMonth]; iv != nil && iv.n > 1 {
		vals := out.month.values()
		if len(vals) > 1 && 12-vals[len(vals)-1]+vals[0] != iv.n {
			last, first := vals[len(vals)-1], vals[0]
			c.warn(out, "every %d months restarts each year: after %s the next run is in %s, %d months later, not %d",
				iv.n, monthNames[last], monthNames[first], 12-last+first, iv.n)
		}
	}
	if iv := byUnit[uDay]; iv != nil && iv.n > 1 && iv.dowStep {
		vals := out.dow.values()
		if len(vals) > 1 && 7-vals[len(vals)-1]+vals[0] != iv.n {
			last, first := vals[len(vals)-1], vals[0]
			c.warn(out, "every %d days of the week restarts each Sunday: after %s the next run is %s, %d days later, not %d",
				iv.n, weekdayNames[last], weekdayNames[first], 7-last+first, iv.n)
		}
	}
}
