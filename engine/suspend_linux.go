//go:build linux

package engine

import (
	"time"

	"golang.org/x/sys/unix"
)

// suspendedTime returns how long the machine has spent suspended since it
// booted: CLOCK_BOOTTIME counts suspended time and CLOCK_MONOTONIC, the
// clock behind Go's monotonic readings, does not. Zero if either clock
// cannot be read.
func suspendedTime() time.Duration {
	var boot, mono unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) != nil || unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono) != nil {
		return 0
	}
	return time.Duration(boot.Nano() - mono.Nano())
}
