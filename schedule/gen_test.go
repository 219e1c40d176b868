package schedule

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// randExpr returns a random expression in the gronx five-field dialect.
// Most are valid; some are rejected by Parse (out-of-range steps,
// impossible days), which exercises the error paths too. hours, if not
// nil, biases the hour field towards those values (to hit DST
// transitions).
func randExpr(r *rand.Rand, hours []int) string {
	if r.IntN(40) == 0 {
		ms := []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@DAILY", "@5minutes", "@30minutes"}
		return ms[r.IntN(len(ms))]
	}
	f := []string{
		randField(r, fMinute, nil),
		randField(r, fHour, hours),
		randField(r, fDom, nil),
		randField(r, fMonth, nil),
		randField(r, fDow, nil),
	}
	sep := " "
	if r.IntN(20) == 0 {
		sep = " \t "
	}
	return strings.Join(f, sep)
}

func randField(r *rand.Rand, f int, hours []int) string {
	info := fieldInfo[f]
	val := func() int { return info.min + r.IntN(info.max-info.min+1) }
	if f == fHour && hours != nil && r.IntN(3) > 0 {
		val = func() int { return hours[r.IntN(len(hours))] }
	}
	name := func(v int) string {
		switch {
		case f == fMonth && v >= 1 && r.IntN(3) == 0:
			s := monthNames[v-1]
			if r.IntN(2) == 0 {
				s = strings.ToLower(s)
			}
			return s
		case f == fDow && v <= 6 && r.IntN(3) == 0:
			s := dowNames[v]
			if r.IntN(2) == 0 {
				s = strings.ToLower(s)
			}
			return s
		}
		return strconv.Itoa(v)
	}
	step := func() int {
		if r.IntN(10) == 0 {
			return r.IntN(info.maxStep + 3) // sometimes invalid
		}
		return 1 + r.IntN(min(info.maxStep, 12))
	}
	simple := func() string {
		switch r.IntN(6) {
		case 0, 1:
			return name(val())
		case 2:
			a, b := val(), val()
			if a > b && r.IntN(8) > 0 {
				a, b = b, a
			}
			return name(a) + "-" + name(b)
		case 3:
			a, b := val(), val()
			if a > b {
				a, b = b, a
			}
			return strconv.Itoa(a) + "-" + strconv.Itoa(b) + "/" + strconv.Itoa(step())
		case 4:
			v := val()
			if f == fDow && v == 7 {
				v = r.IntN(7)
			}
			return strconv.Itoa(v) + "/" + strconv.Itoa(step())
		}
		switch f {
		case fDom:
			if r.IntN(2) == 0 {
				return "L"
			}
			return strconv.Itoa(1+r.IntN(31)) + "W"
		case fDow:
			if r.IntN(2) == 0 {
				return name(r.IntN(8)) + "L"
			}
			return name(r.IntN(8)) + "#" + strconv.Itoa(1+r.IntN(5))
		}
		return name(val())
	}
	list := func() string {
		n := 1 + r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = simple()
		}
		return strings.Join(parts, ",")
	}
	switch k := r.IntN(10); {
	case k < 3:
		if (f == fDom || f == fDow) && r.IntN(6) == 0 {
			return "?"
		}
		return "*"
	case k < 5:
		s := "*/" + strconv.Itoa(step())
		if r.IntN(6) == 0 {
			s += "," + simple()
		}
		return s
	case k < 8:
		return simple()
	default:
		return list()
	}
}
