package scim

import "time"

// WithClock sets the clock of cursor expiry, for tests that move time on
// instead of sleeping.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) error {
		c.now = now
		return nil
	})
}
