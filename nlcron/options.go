package nlcron

import "time"

// Option configures [Parse].
type Option func(*options)

type options struct {
	loc *time.Location
}

// WithLocation sets the zone used when the phrase names none.
// The default is UTC. A nil loc is ignored.
func WithLocation(loc *time.Location) Option {
	return func(o *options) {
		if loc != nil {
			o.loc = loc
		}
	}
}
