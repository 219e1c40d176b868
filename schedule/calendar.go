package schedule

// Proleptic Gregorian calendar arithmetic on day numbers (days since
// 1970-01-01), after Howard Hinnant's "chrono-Compatible Low-Level Date
// Algorithms". Everything is integer arithmetic, so the hot paths never
// call time.Date.

// daysPer400Years is the length of the Gregorian cycle; it is a multiple
// of 7, so weekdays repeat with it too.
const daysPer400Years = 146097

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// epochShift moves day numbers so that every instant a time.Time can
// represent after year -1,000,000 maps to a non-negative count of days
// since 0000-03-01 of the proleptic calendar; the arithmetic can then be
// done in unsigned integers, whose division by constants compiles to a
// multiply and a shift.
const (
	shiftEras  = 2500 // 400-year cycles added to keep day numbers positive
	epochShift = 719468 + shiftEras*daysPer400Years
)

// daysFromCivil returns the day number of y-m-d.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	yy := y + shiftEras*400
	if yy < 0 {
		return daysFromCivilSigned(y, m, d)
	}
	uy := uint64(yy)
	era := uy / 400
	yoe := uy - era*400
	mp := uint64((m + 9) % 12)
	doy := (153*mp+2)/5 + uint64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*daysPer400Years+doe) - epochShift
}

func daysFromCivilSigned(y, m, d int64) int64 {
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*daysPer400Years + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	zz := z + epochShift
	if zz < 0 {
		return civilFromDaysSigned(z)
	}
	u := uint64(zz)
	era := u / daysPer400Years
	doe := u - era*daysPer400Years
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int64(doy - (153*mp+2)/5 + 1)
	y = int64(yoe+era*400) - shiftEras*400
	if mp < 10 {
		m = int64(mp + 3)
	} else {
		m = int64(mp - 9)
		y++
	}
	return y, m, d
}

func civilFromDaysSigned(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, daysPer400Years)
	doe := z - era*daysPer400Years
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
		y++
	}
	return y, m, d
}

// weekdayOf returns the weekday (0 = Sunday) of day number z.
func weekdayOf(z int64) int {
	if zz := z + epochShift; zz >= 0 {
		// Day 0 of the shifted count, 0000-03-01 (proleptic), was a Wednesday.
		return int((uint64(zz) + 3) % 7)
	}
	w := (z + 4) % 7 // 1970-01-01 was a Thursday
	if w < 0 {
		w += 7
	}
	return int(w)
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days in month m of year y.
func daysIn(y, m int64) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
