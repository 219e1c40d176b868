package schedule

// Proleptic Gregorian calendar arithmetic on day numbers (days since
// 1970-01-01). Everything is integer arithmetic, so the hot paths never
// call time.Date. The signed fallbacks follow Howard Hinnant's
// "chrono-Compatible Low-Level Date Algorithms".

// daysPer400Years is the length of the Gregorian cycle; it is a multiple
// of 7, so weekdays repeat with it too.
const daysPer400Years = 146097

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	if a >= 0 && b > 0 {
		return a / b
	}
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// epochShift moves day numbers so that every day after the year
// -1,000,000 maps to a non-negative count of days since 0000-03-01 of the
// proleptic calendar, a Wednesday; weekdayOf can then use an unsigned
// remainder, which compiles to a multiply and a shift.
const (
	shiftEras  = 2500 // 400-year cycles added to keep day numbers positive
	epochShift = 719468 + shiftEras*daysPer400Years
)

// The fast paths below are Neri and Schneider's algorithms ("Euclidean
// affine functions and their application to calendar algorithms",
// Software: Practice and Experience, 2023), in 32-bit unsigned arithmetic
// for dates between the years -32800 and 2,800,000; outside that
// range Hinnant's signed versions take over.
const (
	nsShift  = 82                               // 400-year cycles shifted
	nsK      = 719468 + daysPer400Years*nsShift // day-number offset
	nsL      = 400 * nsShift                    // year offset
	nsMinDay = -nsK
	nsMaxDay = 1<<30 - 1 - nsK
)

// daysFromCivil returns the day number of y-m-d.
func daysFromCivil(y, m, d int64) int64 {
	if y <= -nsL+1 || y >= 2_800_000 {
		return daysFromCivilSigned(y, m, d)
	}
	j := uint32(0)
	if m <= 2 {
		j = 1
	}
	yy := uint32(y+nsL) - j
	mm := uint32(m) + 12*j
	dd := uint32(d) - 1
	c := yy / 100
	ystar := 1461*yy/4 - c + c/4
	mstar := (979*mm - 2919) / 32
	return int64(ystar+mstar+dd) - nsK
}

func daysFromCivilSigned(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*daysPer400Years + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	if z < nsMinDay || z > nsMaxDay {
		return civilFromDaysSigned(z)
	}
	n := uint32(z + nsK)
	n1 := 4*n + 3
	c := n1 / daysPer400Years
	nc := n1 % daysPer400Years / 4
	n2 := 4*nc + 3
	p2 := uint64(2939745) * uint64(n2)
	zy := uint32(p2 >> 32)
	ny := uint32(p2) / 2939745 / 4
	yy := 100*c + zy
	n3 := 2141*ny + 197913
	mm := n3 >> 16
	dd := (n3 & 0xffff) / 2141
	if ny >= 306 {
		return int64(yy) - nsL + 1, int64(mm) - 12, int64(dd) + 1
	}
	return int64(yy) - nsL, int64(mm), int64(dd) + 1
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
