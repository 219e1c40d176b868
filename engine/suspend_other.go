//go:build !linux

package engine

import "time"

// suspendedTime is zero where the engine cannot tell suspended time apart
// (see suspend_linux.go): a suspend then counts as a forward step of the
// wall clock.
func suspendedTime() time.Duration { return 0 }
