package schedule_test

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/nlcron/nlcron/schedule"
)

func ExampleParse() {
	s, err := schedule.Parse("30 9 * jan-mar MON-FRI", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	fmt.Println(s.Location())

	_, err = schedule.Parse("0 0 30 2 *", nil)
	fmt.Println(err)
	fmt.Println(errors.Is(err, schedule.ErrNeverFires))
	// Output:
	// 30 9 * 1-3 1-5
	// UTC
	// schedule: "0 0 30 2 *": day-of-month "30": February has no 30th
	// true
}

func ExampleParseError() {
	_, err := schedule.Parse("*/15 9-17 * * 1-8", nil)
	var pe *schedule.ParseError
	if errors.As(err, &pe) {
		fmt.Printf("field=%s value=%s: %s\n", pe.Field, pe.Value, pe.Msg)
	}
	fmt.Println(errors.Is(err, schedule.ErrRange))
	// Output:
	// field=day-of-week value=1-8: 8 out of range 0-7
	// true
}

func ExampleSchedule_Next() {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	s := schedule.MustParse("30 2 * * *", ny)
	// On 9 March 2025 the clocks in New York jump from 02:00 to 03:00, so
	// 02:30 does not exist; a fixed-time schedule fires at 03:00 instead.
	t := time.Date(2025, 3, 8, 12, 0, 0, 0, ny)
	for range 3 {
		t = s.Next(t)
		fmt.Println(t)
	}
	// Output:
	// 2025-03-09 03:00:00 -0400 EDT
	// 2025-03-10 02:30:00 -0400 EDT
	// 2025-03-11 02:30:00 -0400 EDT
}

func ExampleSchedule_Prev() {
	s := schedule.MustParse("0 0 L * *", nil) // midnight on the last day of each month
	fmt.Println(s.Prev(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)))
	// Output:
	// 2024-02-29 00:00:00 +0000 UTC
}

func ExampleSchedule_All() {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	// A wildcard schedule fires in both passes of the repeated hour when
	// the clocks go back on 26 October 2025.
	s := schedule.MustParse("*/30 1 * * *", london)
	for t := range s.All(time.Date(2025, 10, 26, 0, 0, 0, 0, london)) {
		if t.Day() != 26 {
			break
		}
		fmt.Println(t)
	}
	// Output:
	// 2025-10-26 01:00:00 +0100 BST
	// 2025-10-26 01:30:00 +0100 BST
	// 2025-10-26 01:00:00 +0000 GMT
	// 2025-10-26 01:30:00 +0000 GMT
}

func ExampleSchedule_MinInterval() {
	for _, expr := range []string{"*/7 * * * *", "0 9,17 * * 1-5", "0 0 L * *", "0 0 29 2 *"} {
		d := schedule.MustParse(expr, nil).MinInterval()
		fmt.Printf("%-15s %v (%.0f days)\n", expr, d, d.Hours()/24)
	}
	// Output:
	// */7 * * * *     4m0s (0 days)
	// 0 9,17 * * 1-5  8h0m0s (0 days)
	// 0 0 L * *       672h0m0s (28 days)
	// 0 0 29 2 *      35064h0m0s (1461 days)
}

func ExampleSchedule_IsWildcard() {
	for _, expr := range []string{"30 2 * * *", "*/30 2 * * *", "0 * * * *"} {
		fmt.Println(expr, schedule.MustParse(expr, nil).IsWildcard())
	}
	// Output:
	// 30 2 * * * false
	// */30 2 * * * true
	// 0 * * * * true
}
