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
// process and by the PostgreSQL server: every process named "postgres",
// plus what their exited children used (the postmaster reaps the backends
// and autovacuum workers that exit). ok is false where /proc is missing.
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
		// Fields after the command, from state (field 3): utime 14,
		// stime 15, cutime 16, cstime 17.
		f := strings.Fields(s[end+1:])
		if len(f) < 15 {
			continue
		}
		for _, v := range f[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks += n
		}
	}
	return self, time.Duration(ticks) * time.Second / clockTicks, true
}
