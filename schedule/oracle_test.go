package schedule

import (
	"time"
)

// This file holds an independent brute-force model of the package's
// semantics. It shares only the parser with the production code (the
// parser is checked separately against gronx); it takes every calendar
// fact from package time and walks instants one minute at a time.

// naiveMatch reports whether the wall-clock minute y-mo-d h:mi matches fs.
func naiveMatch(fs *fields, y int, mo time.Month, d, h, mi int) bool {
	if fs.set[fMinute]&(1<<mi) == 0 || fs.set[fHour]&(1<<h) == 0 {
		return false
	}
	last := time.Date(y, mo+1, 0, 12, 0, 0, 0, time.UTC).Day()
	first := time.Date(y, mo, 1, 12, 0, 0, 0, time.UTC).Weekday()
	return naiveDay(fs, mo, d, last, first)
}

// naiveDay reports whether day d of month mo matches the month and day
// fields of fs, given the month's length and the weekday of its first day.
func naiveDay(fs *fields, mo time.Month, d, last int, first time.Weekday) bool {
	if fs.set[fMonth]&(1<<int(mo)) == 0 {
		return false
	}
	weekday := func(day int) time.Weekday { return (first + time.Weekday(day-1)) % 7 }
	wd := weekday(d)

	domOK := fs.set[fDom]&(1<<d) != 0 || (fs.domL && d == last)
	for n := 1; n <= 31; n++ {
		if fs.domW&(1<<n) == 0 || n > last {
			continue
		}
		target := n
		switch weekday(n) {
		case time.Saturday:
			if n > 1 {
				target = n - 1
			} else {
				target = n + 2
			}
		case time.Sunday:
			if n < last {
				target = n + 1
			} else {
				target = n - 2
			}
		}
		if target == d {
			domOK = true
		}
	}

	dowOK := fs.set[fDow]&(1<<int(wd)) != 0 ||
		(fs.dowL&(1<<int(wd)) != 0 && d+7 > last) ||
		fs.dowNth[wd]&(1<<((d-1)/7)) != 0
	if fs.star[fDom] || fs.star[fDow] {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// matchCivil applies naiveMatch to a wall-clock minute counted from the
// Unix epoch.
func matchCivil(fs *fields, cm int64) bool {
	c := time.Unix(cm*60, 0).UTC()
	y, mo, d := c.Date()
	h, mi, _ := c.Clock()
	return naiveMatch(fs, y, mo, d, h, mi)
}

// mustFields parses expr with the production parser.
func mustFields(expr string) *fields {
	p := parser{expr: expr}
	fs, err := p.parse()
	if err != nil {
		panic(err)
	}
	return &fs
}

// oracleFires returns every fire instant in [from, to) of expression fs in
// loc, by walking UTC minutes and applying the DST policy of doc.go
// literally:
//
//   - a wall-clock minute seen for the first time fires if it matches;
//   - a wall-clock minute seen again (fall-back overlap: it is not later
//     than the latest wall-clock minute seen so far) fires again only for
//     wildcard schedules;
//   - when the wall clock jumps forward over minutes that never occur, a
//     fixed-time schedule fires at the first instant after the jump if
//     any skipped minute matches.
//
// The walk starts three hours before from, so that the high-water mark is
// right when from is inside an overlap (no zone repeats more than that).
// It needs a zone whose offsets are whole minutes, which is true for
// every zone since 1972.
func oracleFires(fs *fields, loc *time.Location, from, to time.Time) []time.Time {
	wildcard := fs.star[fMinute] || fs.star[fHour]
	u := from.Add(-3 * time.Hour).Truncate(time.Minute)
	var fires []time.Time
	var hwm, prev int64
	first := true
	for ; u.Before(to); u = u.Add(time.Minute) {
		_, off := u.In(loc).Zone()
		c := (u.Unix() + int64(off)) / 60 // wall-clock minute
		fire := false
		if !first && !wildcard {
			for g := max(prev, hwm) + 1; g < c; g++ {
				if matchCivil(fs, g) {
					fire = true
					break
				}
			}
		}
		match := matchCivil(fs, c)
		if first || c > hwm {
			fire = fire || match
			hwm = c
		} else if wildcard && match {
			fire = true
		}
		if fire && !u.Before(from) {
			fires = append(fires, u.In(loc))
		}
		prev = c
		first = false
	}
	return fires
}
