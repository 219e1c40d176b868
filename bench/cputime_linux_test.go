//go:build linux

package bench

import (
	"runtime"
	"syscall"
	"time"
)

// threadCPU returns the CPU time consumed by the calling OS thread. On a
// shared, loaded machine, ns/op counts time spent waiting for a core;
// CPU time per op does not, so benchmarks report both.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

func lockThread()   { runtime.LockOSThread() }
func unlockThread() { runtime.UnlockOSThread() }
