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
	for _, opt := range opts {
		opt(&o)
	}
	return parse(phrase, o)
}
