package engine

import (
	"context"
	"testing"
	"time"
)

func TestStepLog(t *testing.T) {
	t.Parallel()
	wall0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	mono0 := time.Now()
	// step i happens at wall minute 10*(i+1) and real second 10*(i+1),
	// and is i+1 minutes long.
	step := func(i int) clockStep {
		return clockStep{
			after: wall0.Add(time.Duration(10*(i+1)) * time.Minute),
			size:  time.Duration(i+1) * time.Minute,
			seen:  mono0.Add(time.Duration(10*(i+1)) * time.Second),
		}
	}
	at := func(min int) time.Time { return wall0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name   string
		steps  int           // steps 0..steps-1 are added
		forget time.Duration // if set, forget at mono0+forget with keep 15s
		wall   time.Time
		want   time.Duration
	}{
		{name: "empty", wall: at(0), want: 0},
		{name: "before every step", steps: 3, wall: at(0), want: 6 * time.Minute},
		{name: "between steps", steps: 3, wall: at(15), want: 5 * time.Minute},
		{name: "at a step's first reading", steps: 3, wall: at(20), want: 3 * time.Minute},
		{name: "after every step", steps: 3, wall: at(30), want: 0},
		// 10 steps in a log of 8: steps 0..2 are merged into step 2,
		// which now counts as happening at minute 30.
		{name: "full log merges the oldest into the next", steps: 10, wall: at(25), want: 55 * time.Minute},
		{name: "full log keeps the newest exact", steps: 10, wall: at(95), want: 10 * time.Minute},
		// At real second 35 with keep 15s: steps seen at seconds 10 and 20
		// are forgotten, the one seen at 30 is kept.
		{name: "forget", steps: 4, forget: 35 * time.Second, wall: at(0), want: 3*time.Minute + 4*time.Minute},
		{name: "forget everything", steps: 4, forget: time.Hour, wall: at(0), want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var l stepLog
			for i := range tc.steps {
				l.add(step(i))
			}
			if tc.forget != 0 {
				l.forget(mono0.Add(tc.forget), 15*time.Second)
			}
			if l.n > maxSteps {
				t.Fatalf("log holds %d steps, more than %d", l.n, maxSteps)
			}
			if got := l.since(tc.wall); got != tc.want {
				t.Errorf("since(%v) = %v, want %v", tc.wall.Format("15:04"), got, tc.want)
			}
		})
	}
}

// TestNoteClockSuspend: a wall clock that moves on while the monotonic
// clock stands still is a step only if the machine was not suspended
// meanwhile (a resumed VM: real time passed), never when it was.
func TestNoteClockSuspend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		wall      time.Duration // how far the wall clock moves
		suspended time.Duration // how long the machine was suspended meanwhile
		wantStep  time.Duration // the forward step remembered; 0 for none
	}{
		{name: "no change", wantStep: 0},
		{name: "NTP step forward", wall: time.Hour, wantStep: time.Hour},
		{name: "suspended for an hour", wall: time.Hour, suspended: time.Hour, wantStep: 0},
		{name: "suspended and stepped", wall: 90 * time.Minute, suspended: time.Hour, wantStep: 30 * time.Minute},
		{name: "step back", wall: -time.Hour, wantStep: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wall := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
			var suspended time.Duration
			e := newTestEngine(t, func(c *Config) {
				c.Now = func() time.Time { return wall }
				c.MinCadence = 10 * time.Minute
			})
			d := newDispatcher(e)
			d.suspended = func() time.Duration { return suspended }
			prev := d.readClock()
			wall = wall.Add(tc.wall)
			suspended += tc.suspended
			d.noteClock(context.Background(), prev)
			// The real time between the two readings is a few microseconds
			// of this test: well under the 10ms a step must exceed.
			got := d.steps.since(prev.wall)
			if diff := got - tc.wantStep; diff < -minStep || diff > minStep {
				t.Errorf("remembered step %v, want %v", got, tc.wantStep)
			}
		})
	}
}
