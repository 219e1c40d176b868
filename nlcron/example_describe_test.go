package nlcron_test

import (
	"fmt"

	"github.com/nlcron/nlcron/nlcron"
)

func ExampleDescribe() {
	for _, expr := range []string{
		"0 17 * * 0",
		"*/10 * * * 1-5",
		"30 9 1,15 * *",
		"0 9 * * 1#1",
		"0 0 */2 * 1",
		"0 0 1-31/2 * 1",
		"5-59/7 1-3,9 * * *",
	} {
		desc, err := nlcron.Describe(expr)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-20s %s\n", expr, desc)
	}
	// Output:
	// 0 17 * * 0           at 5:00 PM, only on Sunday
	// */10 * * * 1-5       every 10 minutes, Monday through Friday
	// 30 9 1,15 * *        at 9:30 AM, on the 1st and 15th of the month
	// 0 9 * * 1#1          at 9:00 AM, on the first Monday of the month
	// 0 0 */2 * 1          at midnight, on every other day of the month, if it falls on Monday
	// 0 0 1-31/2 * 1       at midnight, on every other day of the month, or on Monday
	// 5-59/7 1-3,9 * * *   every 7 minutes starting at minute 5, during hours 1 AM through 3 AM and 9 AM
}
