package pgstore_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times (100
// on every mainstream architecture).
const clockTicks = 100

// cpuTimes returns the CPU time (user and system) used so far by this
// process and by all processes named "postgres" (the server and its
// backends; a backend that exited takes its time with it). ok is false
// where /proc is missing.
func cpuTimes() (self, pg time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0, false
	}
	var ticks int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		// Fields after the command: state is field 3, utime 14, stime 15.
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return self, time.Duration(ticks) * time.Second / clockTicks, true
}
