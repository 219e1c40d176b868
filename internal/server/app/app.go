// Package app runs the demo server from its command line: it parses the
// flags, opens the store (SQLite by default, or PostgreSQL), builds the
// engine and the [server.Server] handler, and serves until its context ends.
// It is kept apart from package server so that the handler (and its fuzz
// target) does not depend on the database drivers.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
	"github.com/nlcron/nlcron/engine/sqlitestore"
	"github.com/nlcron/nlcron/internal/server"
)

// The SQL stores keep the Idempotency-Key records in their database; Main
// finds them by type assertion, as it finds the API keys.
var (
	_ server.IdempotencyStore = (*sqlitestore.Store)(nil)
	_ server.IdempotencyStore = (*pgstore.Store)(nil)
)

// Options are the demo server's settings, from its command line.
type Options struct {
	Addr                  string        // -addr
	DB                    string        // -db: SQLite file
	Postgres              string        // -postgres: URL; replaces -db
	APIKeys               []string      // -api-key, repeatable
	MinCadence            time.Duration // -min-cadence
	Retention             time.Duration // -retention: 0 keeps history for ever
	CadencePolicy         engine.CadencePolicy
	AgentURL              string // -agent-url: webhook runner; "" = echo agent
	AllowPrivateCallbacks bool
	CallbackSecret        string // -callback-secret, or $NLCRON_CALLBACK_SECRET
	// PreviousCallbackSecret (-previous-callback-secret, or
	// $NLCRON_PREVIOUS_CALLBACK_SECRET) also signs callbacks while
	// receivers move to a new -callback-secret.
	PreviousCallbackSecret string
	RateLimit              float64 // -rate-limit: requests/s per key; 0 = none
	RateBurst              int     // -rate-burst
	AuthFailures           int     // -auth-failures: unknown keys per address before it waits; 0 = no limit
	LogLevel               slog.Level
}

// retentionFlag is a non-negative duration flag that also takes whole
// days: "30d", as well as Go durations ("720h", "90m").
type retentionFlag struct{ d *time.Duration }

func (f retentionFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	if *f.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*f.d/(24*time.Hour)), 10) + "d"
	}
	return f.d.String()
}

func (f retentionFlag) Set(v string) error {
	d, err := parseRetention(v)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// parseRetention parses a Go duration or a whole number of days ("30d").
func parseRetention(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64/int64(24*time.Hour) {
			return 0, fmt.Errorf("%q is not a whole number of days (like 30d) nor a duration (like 720h)", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q is not a whole number of days (like 30d) nor a duration (like 720h)", v)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(len(*l), " values") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// ParseFlags reads the command line (without the program name). Usage and
// errors are written to out. -h answers flag.ErrHelp.
func ParseFlags(args []string, out io.Writer) (Options, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	var o Options
	var keys stringList
	var policy, level string
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free port)")
	fs.StringVar(&o.DB, "db", "nlcron.db", "SQLite database file (created if missing)")
	fs.StringVar(&o.Postgres, "postgres", "", "PostgreSQL URL; use PostgreSQL instead of SQLite")
	fs.Var(&keys, "api-key", "an API key to accept, each its own account (repeatable); without one, a key is generated on first start and printed once")
	fs.DurationVar(&o.MinCadence, "min-cadence", engine.DefaultMinCadence, "shortest time between two runs of one schedule")
	fs.Var(retentionFlag{&o.Retention}, "retention", "delete runs that ended and occurrences older than this (a duration like 720h, or days like 30d); 0 keeps them for ever")
	fs.StringVar(&policy, "cadence-policy", string(engine.CadenceClamp), "what to do with cadences more frequent than -min-cadence: clamp (accept, skip fires that come too soon) or reject (answer 422)")
	fs.StringVar(&o.AgentURL, "agent-url", "", "agent service URL for the webhook runner (default: the built-in echo agent)")
	fs.BoolVar(&o.AllowPrivateCallbacks, "allow-private-callbacks", false, "allow callback URLs on loopback, private and link-local addresses (for tests)")
	fs.StringVar(&o.CallbackSecret, "callback-secret", os.Getenv("NLCRON_CALLBACK_SECRET"), "HMAC key for callback signatures (default $NLCRON_CALLBACK_SECRET, else generated and printed at start)")
	fs.StringVar(&o.PreviousCallbackSecret, "previous-callback-secret", os.Getenv("NLCRON_PREVIOUS_CALLBACK_SECRET"), "during a rotation, the old -callback-secret: callbacks carry a signature with each (default $NLCRON_PREVIOUS_CALLBACK_SECRET)")
	fs.Float64Var(&o.RateLimit, "rate-limit", 50, "requests per second allowed per API key (0 = no limit)")
	fs.IntVar(&o.RateBurst, "rate-burst", 100, "requests per API key allowed in a burst above -rate-limit")
	fs.IntVar(&o.AuthFailures, "auth-failures", server.DefaultAuthFailureBurst, "requests with an unknown API key one client address may make before it gets one try every "+server.AuthFailureRefill.String()+" (0 = no limit; behind a proxy every client shares its address)")
	fs.StringVar(&level, "log-level", "info", "log level: debug (logs every request), info, warn or error")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	o.APIKeys = keys
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return o, errors.New("-api-key must not be empty")
		}
	}
	p, err := engine.ParseCadencePolicy(policy)
	if err != nil {
		return o, fmt.Errorf("-cadence-policy: %q is not clamp or reject", policy)
	}
	o.CadencePolicy = p
	if o.MinCadence < 0 {
		return o, errors.New("-min-cadence must not be negative")
	}
	if o.RateLimit < 0 || o.RateBurst < 0 {
		return o, errors.New("-rate-limit and -rate-burst must not be negative")
	}
	if o.AuthFailures < 0 {
		return o, errors.New("-auth-failures must not be negative")
	}
	if err := o.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return o, fmt.Errorf("-log-level: %w", err)
	}
	if o.AgentURL != "" {
		u, err := url.Parse(o.AgentURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("-agent-url %q is not an absolute http(s) URL", o.AgentURL)
		}
	}
	dbSet := false
	fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
	if dbSet && o.Postgres != "" {
		return o, errors.New("use either -db or -postgres, not both")
	}
	return o, nil
}

// Main runs the demo server until ctx is done, then shuts down gracefully:
// the listener closes, requests in progress are answered, in-flight runs
// finish (within the engine's grace period) and pending callbacks are sent.
// It prints the listening URL, and a generated API key on first start, to
// stdout; logs go there too.
func Main(ctx context.Context, o Options, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: o.LogLevel}))

	store, closeStore, desc, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer closeStore()

	ks, _ := store.(engine.KeyStore)
	keys := server.NewKeys(ks)
	// Nil (no durable store) keeps Idempotency-Key records in memory.
	idem, _ := store.(server.IdempotencyStore)
	for _, k := range o.APIKeys {
		if _, err := keys.Add(ctx, k); err != nil {
			return err
		}
	}
	n, err := keys.Count(ctx)
	if err != nil {
		return fmt.Errorf("count API keys: %w", err)
	}
	if n == 0 {
		key, _, err := keys.Generate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generated API key (shown once, stored hashed): %s\n", key)
	}

	secret := []byte(o.CallbackSecret)
	if len(secret) == 0 {
		var b [32]byte
		_, _ = rand.Read(b[:])
		s := hex.EncodeToString(b[:])
		secret = []byte(s)
		fmt.Fprintf(stdout, "callback signing secret (generated for this process; set -callback-secret to keep one): %s\n", s)
	}
	var previous [][]byte
	if o.PreviousCallbackSecret != "" {
		previous = [][]byte{[]byte(o.PreviousCallbackSecret)}
	}
	notifier := server.NewNotifier(server.NotifierConfig{
		Secret: secret, PreviousSecrets: previous, Client: server.NewCallbackClient(o.AllowPrivateCallbacks), Logger: log,
	})

	var runner engine.Runner = server.EchoRunner(nil)
	if o.AgentURL != "" {
		runner = &server.WebhookRunner{URL: o.AgentURL}
	}
	metrics := server.NewMetrics()
	eng, err := engine.New(engine.Config{
		Store: store, Runner: runner, MinCadence: o.MinCadence, CadencePolicy: o.CadencePolicy,
		Retention: o.Retention, Logger: log, Observer: metrics, OnRunFinished: notifier.RunFinished,
	})
	if err != nil {
		return err
	}
	handler := server.New(server.Config{
		Engine: eng, Keys: keys, Logger: log, RateLimit: o.RateLimit, RateBurst: o.RateBurst,
		AuthFailureBurst: authFailureBurst(o.AuthFailures), MinCadence: o.MinCadence, CadencePolicy: o.CadencePolicy,
		AllowPrivateCallbacks: o.AllowPrivateCallbacks, Metrics: metrics, Idempotency: idem,
		Ready: func(ctx context.Context) error { _, err := store.NextDue(ctx); return err },
	})

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("starting", "store", desc, "runner", runnerName(o), "min_cadence", o.MinCadence, "cadence_policy", o.CadencePolicy)
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	engDone := make(chan error, 1)
	go func() { engDone <- eng.Run(engCtx) }()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ln) }()

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-srvDone:
		runErr = fmt.Errorf("http server: %w", err)
	case err := <-engDone:
		engDone <- err
		runErr = fmt.Errorf("engine stopped: %w", err)
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopEngine()
	if err := <-engDone; err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("engine shutdown", "err", err)
	}
	cbCtx, cancelCb := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelCb()
	if err := notifier.Close(cbCtx); err != nil {
		log.Warn("callbacks abandoned at shutdown", "err", err)
	}
	log.Info("stopped")
	return runErr
}

func runnerName(o Options) string {
	if o.AgentURL != "" {
		return "webhook " + agentHost(o.AgentURL)
	}
	return "echo"
}

// openStore opens PostgreSQL when -postgres is set, else SQLite.
func openStore(ctx context.Context, o Options) (engine.Store, func(), string, error) {
	if o.Postgres != "" {
		st, err := pgstore.Open(ctx, o.Postgres)
		if err != nil {
			return nil, nil, "", err
		}
		return st, st.Close, "postgres", nil
	}
	st, err := sqlitestore.Open(ctx, o.DB)
	if err != nil {
		return nil, nil, "", err
	}
	return st, func() { _ = st.Close() }, "sqlite " + o.DB, nil
}

// agentHost returns the host of the agent URL for logs (never its path or
// query, which may carry secrets).
func agentHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}

// authFailureBurst maps -auth-failures to [server.Config.AuthFailureBurst],
// where 0 is the default and a negative value disables the limit.
func authFailureBurst(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
