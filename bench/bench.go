// Package bench compares the Next performance of
// github.com/nlcron/nlcron/schedule with other Go cron libraries. It is a
// separate module so that the peers stay out of nlcron's go.mod; see
// README.md for the figures and how to reproduce them.
package bench
