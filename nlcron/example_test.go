package nlcron_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/nlcron"
	"github.com/nlcron/nlcron/schedule"
)

func Example() {
	res, err := nlcron.Parse("every weekday at 9:30am in America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Cron, res.Location)
	s, _ := schedule.Parse(res.Cron, res.Location)
	t := time.Date(2025, 3, 7, 12, 0, 0, 0, res.Location) // a Friday
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format("Mon Jan 2 15:04 MST"))
	}
	// Output:
	// 30 9 * * 1-5 America/New_York
	// Mon Mar 10 09:30 EDT
	// Tue Mar 11 09:30 EDT
	// Wed Mar 12 09:30 EDT
}

func ExampleParse() {
	for _, phrase := range []string{
		"sundays at 5pm",
		"every 15 minutes between 9am and 5pm on weekdays",
		"on the last friday of the month at noon",
		"twice a day",
		"@hourly",
	} {
		res, err := nlcron.Parse(phrase)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-50s %s\n", phrase, res.Cron)
	}
	// Output:
	// sundays at 5pm                                     0 17 * * 0
	// every 15 minutes between 9am and 5pm on weekdays   */15 9-16 * * 1-5
	// on the last friday of the month at noon            0 12 * * 5L
	// twice a day                                        0 0,12 * * *
	// @hourly                                            0 * * * *
}

func ExampleParse_warnings() {
	res, err := nlcron.Parse("every 7 minutes")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Cron)
	for _, w := range res.Warnings {
		fmt.Println(w)
	}
	// Output:
	// */7 * * * *
	// every 7 minutes restarts each hour: after :56 the next run is :00, 4 minutes later, not 7
}

func ExampleParse_zones() {
	for _, phrase := range []string{
		"daily at 9am in Asia/Tokyo",
		"daily at 9am UTC+9",
		"daily at 9am +05:30",
	} {
		res, err := nlcron.Parse(phrase)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(res.Cron, res.Location)
	}
	// Output:
	// 0 9 * * * Asia/Tokyo
	// 0 9 * * * Etc/GMT-9
	// 0 9 * * * UTC+05:30
}

func ExampleWithLocation() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := nlcron.Parse("every day at 8am", nlcron.WithLocation(berlin))
	fmt.Println(res.Cron, res.Location)
	res, _ = nlcron.Parse("every day at 8am in UTC", nlcron.WithLocation(berlin))
	fmt.Println(res.Cron, res.Location)
	// Output:
	// 0 8 * * * Europe/Berlin
	// 0 8 * * * UTC
}

func ExampleParseError() {
	for _, phrase := range []string{
		"every wensday at 9am",
		"every day at 9am EST",
		"every 90 minutes",
	} {
		_, err := nlcron.Parse(phrase)
		var pe *nlcron.ParseError
		if errors.As(err, &pe) {
			fmt.Printf("%s\n  offset %d, text %q, suggestion %q\n", pe, pe.Offset, pe.Text, pe.Suggestion)
		}
		fmt.Println("  unsupported:", errors.Is(err, nlcron.ErrUnsupported), "ambiguous zone:", errors.Is(err, nlcron.ErrAmbiguousZone))
	}
	// Output:
	// 1:7: unknown day "wensday"; did you mean "wednesday"?
	//   offset 6, text "wensday", suggestion "wednesday"
	//   unsupported: false ambiguous zone: false
	// 1:18: the abbreviation "EST" does not say which zone or whether daylight saving applies; write the IANA name (America/New_York); did you mean "America/New_York"?
	//   offset 17, text "EST", suggestion "America/New_York"
	//   unsupported: false ambiguous zone: true
	// 1:1: every 90 minutes does not fit in an hour; cron steps restart every hour
	//   offset 0, text "every 90 minutes", suggestion ""
	//   unsupported: true ambiguous zone: false
}
