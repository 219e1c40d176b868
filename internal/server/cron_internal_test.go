package server

import (
	"testing"
	"time"
)

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "1 minute"},
		{5 * time.Minute, "5 minutes"},
		{10 * time.Minute, "10 minutes"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{24 * time.Hour, "24 hours"},
		{45 * time.Second, "45 seconds"},
		{time.Millisecond, "1ms"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
