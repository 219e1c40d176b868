package engine

import "time"

// maxSteps bounds how many forward steps of the wall clock a stepLog keeps;
// beyond that the oldest two are merged (see stepLog.add).
const maxSteps = 8

// minStep is the smallest difference between the wall clock and the
// monotonic clock that the dispatcher records as a step: below it, the
// difference is the skew of reading two clocks one after the other.
const minStep = 10 * time.Millisecond

// clockStep is one forward step of the wall clock, as the dispatch loop
// noticed it.
type clockStep struct {
	// after is the first wall-clock reading taken after the step: a run
	// dispatched before after (in wall-clock terms) was dispatched before
	// the step, or during the tick in which it happened.
	after time.Time
	// size is how far the wall clock moved ahead of real time.
	size time.Duration
	// seen is when the step was noticed, as a real-time reading (monotonic
	// plus suspended time; see dispatcher.noteClock): the step is
	// forgotten once MinCadence of real time has passed since.
	seen time.Time
}

// stepLog remembers the forward steps of the wall clock during the last
// MinCadence of real time, so that the minimum-cadence rule can measure
// real elapsed time between dispatches although the store keeps only wall
// times. Its size is bounded, and asking it costs O(maxSteps), whatever the
// number of schedules. Only the dispatcher's goroutine uses it.
type stepLog struct {
	n     int
	steps [maxSteps]clockStep // oldest first
}

// add records a forward step. When the log is full, the oldest step is
// merged into the next one: it then counts as having happened later, which
// can only make a gap look shorter, never longer (the clamp errs towards
// skipping a fire, never towards running two too close).
func (l *stepLog) add(s clockStep) {
	if l.n == maxSteps {
		l.steps[1].size += l.steps[0].size
		copy(l.steps[:], l.steps[1:])
		l.n--
	}
	l.steps[l.n] = s
	l.n++
}

// forget drops the steps noticed at least keep before mono (a monotonic
// reading). Real time since any dispatch made before such a step is at
// least keep, so the step can no longer make a gap shorter than keep look
// longer.
func (l *stepLog) forget(mono time.Time, keep time.Duration) {
	i := 0
	for i < l.n && mono.Sub(l.steps[i].seen) >= keep {
		i++
	}
	if i > 0 {
		copy(l.steps[:], l.steps[i:l.n])
		l.n -= i
	}
}

// since returns how far the wall clock stepped ahead after wall (a
// wall-clock reading of this process, such as a LastDispatchedAt): the
// wall-clock time since then minus this is the real time since then.
func (l *stepLog) since(wall time.Time) time.Duration {
	var d time.Duration
	for _, s := range l.steps[:l.n] {
		if wall.Before(s.after) {
			d += s.size
		}
	}
	return d
}
