package nlcron

import "time"

// Result is what [Parse] makes of a phrase.
type Result struct {
	// Cron is a standard 5-field expression (minute hour day-of-month
	// month day-of-week) accepted by schedule.Parse and by gronx.
	Cron string
	// Location is the zone named in the phrase, else the one given with
	// [WithLocation], else UTC. It is never nil.
	Location *time.Location
	// Warnings lists approximations the user should know about, such as
	// a step that does not divide its cycle evenly.
	Warnings []string
}

// Parse turns an English schedule phrase into a cron expression.
func Parse(phrase string, opts ...Option) (Result, error) {
	o := options{loc: time.UTC}
	if len(opts) > 0 {
		o = applyOptions(opts)
	}
	return parse(phrase, o)
}

// applyOptions applies opts to the defaults. It is separate from Parse
// because the options take a pointer, which moves the value it points at
// to the heap: without options, Parse allocates nothing for them.
func applyOptions(opts []Option) options {
	o := options{loc: time.UTC}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
