package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// Engine is what the handler needs from an [engine.Engine].
type Engine interface {
	CreateSchedule(ctx context.Context, accountID string, in engine.ScheduleInput) (*engine.Schedule, error)
	GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error)
	ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error)
	UpdateSchedule(ctx context.Context, accountID, id string, u engine.ScheduleUpdate) (*engine.Schedule, error)
	DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error)
	Occurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error)
	CreateAgentRun(ctx context.Context, accountID string, in engine.RunInput) (*engine.Run, error)
	GetRun(ctx context.Context, accountID, id string) (*engine.Run, error)
	ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error)
	AddMessage(ctx context.Context, accountID, id, message string) (*engine.Run, error)
}

var _ Engine = (*engine.Engine)(nil)

// DefaultMaxBodyBytes is the largest request body accepted (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// DefaultAuthFailureBurst is the default [Config.AuthFailureBurst]: a
// client that mistypes its key a few times is not held up, while one that
// guesses keys gets one try every [AuthFailureRefill].
const DefaultAuthFailureBurst = 20

// AuthFailureRefill is how often a client address that used up its
// [Config.AuthFailureBurst] may try another unknown key.
const AuthFailureRefill = 6 * time.Second

// Config configures the handler built by [New].
type Config struct {
	Engine Engine // required
	Keys   *Keys  // required
	// Logger receives request and error logs; nil discards them. API keys
	// and request bodies are never logged.
	Logger *slog.Logger
	// Now is the clock (text-to-cron's next runs, the rate limit, the
	// default occurrence window); nil means time.Now.
	Now func() time.Time
	// RateLimit is how many /v1 requests a second each account may make,
	// with bursts up to RateBurst; 0 disables the limit. The unauthenticated
	// playground endpoint is limited the same way per client address.
	RateLimit float64
	RateBurst int
	// MaxBodyBytes bounds request bodies (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// AuthFailureBurst is how many requests with an unknown API key one
	// client address may make before it is answered 429 (with
	// Retry-After), whatever key it sends, until it earns another try:
	// one every [AuthFailureRefill]. Zero means DefaultAuthFailureBurst;
	// negative disables the limit. Requests without a key do not count.
	AuthFailureBurst int
	// MinCadence and CadencePolicy are the engine's
	// [engine.Config.MinCadence] and [engine.Config.CadencePolicy]:
	// text-to-cron warns, in the engine's words ([engine.CadencePolicy.Check]),
	// about a cadence the engine would clamp or refuse. As in the engine,
	// zero MinCadence means [engine.DefaultMinCadence] and a negative one
	// no minimum.
	MinCadence    time.Duration
	CadencePolicy engine.CadencePolicy
	// AllowPrivateCallbacks accepts callback URLs naming loopback, private
	// or link-local addresses.
	AllowPrivateCallbacks bool
	// Metrics, if set, counts requests and is served on /metrics.
	Metrics *Metrics
	// Ready reports whether the server is healthy, for /healthz; nil means
	// always.
	Ready func(ctx context.Context) error
	// Idempotency keeps the Idempotency-Key records. Give the engine's
	// store when it is SQL (sqlitestore.Store and pgstore.Store implement
	// it), so that replicas sharing its database, and a restarted process,
	// replay each other's answers; nil keeps them in this process's memory.
	Idempotency IdempotencyStore
}

// Server is the HTTP handler of the demo API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	limit   *limiter
	ipLimit *limiter
	// authFail counts requests with unknown API keys per client address.
	authFail *limiter
	idem     IdempotencyStore

	translations translationCache
}

// New returns the handler for cfg.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MinCadence == 0 {
		cfg.MinCadence = engine.DefaultMinCadence
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		now:     cfg.Now,
		mux:     http.NewServeMux(),
		limit:   newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now),
		ipLimit: newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now),
		idem:    cfg.Idempotency,
	}
	if s.idem == nil {
		s.idem = newMemIdemStore(idemMax)
	}
	switch {
	case cfg.AuthFailureBurst == 0:
		s.authFail = newLimiter(float64(time.Second)/float64(AuthFailureRefill), DefaultAuthFailureBurst, cfg.Now)
	case cfg.AuthFailureBurst > 0:
		s.authFail = newLimiter(float64(time.Second)/float64(AuthFailureRefill), cfg.AuthFailureBurst, cfg.Now)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern(), rt.h)
	}
	// Anything else answers in JSON, as FastAPI does, instead of net/http's
	// plain text: 405 with Allow when the path exists for other methods.
	s.mux.HandleFunc("/", s.fallback)
	return s
}

// route is one entry of the routing table, which also drives the OpenAPI
// consistency test.
type route struct {
	method, path string
	h            http.Handler
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// routes is the routing table.
func (s *Server) routes() []route {
	api := func(res resource, h apiHandler) http.Handler { return s.authed(res, h) }
	post := func(res resource, h apiHandler) http.Handler { return s.authed(res, s.idempotent(res, h)) }
	return []route{
		{"GET", "/{$}", http.HandlerFunc(s.page)},
		{"GET", "/static/{file}", http.HandlerFunc(s.static)},
		{"GET", "/healthz", http.HandlerFunc(s.healthz)},
		{"GET", "/metrics", http.HandlerFunc(s.metrics)},
		{"GET", "/openapi.json", http.HandlerFunc(s.openapi)},
		{"GET", "/playground/text-to-cron", http.HandlerFunc(s.playgroundTextToCron)},

		{"GET", "/v1/schedules/text-to-cron", api(resNone, s.textToCron)},
		{"POST", "/v1/schedules", post(resSchedule, s.createSchedule)},
		{"GET", "/v1/schedules", api(resSchedule, s.listSchedules)},
		{"GET", "/v1/schedules/{id}", api(resSchedule, s.getSchedule)},
		{"PUT", "/v1/schedules/{id}", api(resSchedule, s.updateSchedule)},
		{"DELETE", "/v1/schedules/{id}", api(resSchedule, s.deleteSchedule)},
		{"GET", "/v1/schedules/{id}/occurrences", api(resSchedule, s.occurrences)},
		{"POST", "/v1/agent-runs", post(resRun, s.createRun)},
		{"GET", "/v1/agent-runs", api(resRun, s.listRuns)},
		{"GET", "/v1/agent-runs/{id}", api(resRun, s.getRun)},
		{"PUT", "/v1/agent-runs/{id}", api(resRun, s.addMessage)},
	}
}

// fallback answers requests no route matched.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE"} {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeJSON(w, http.StatusNotFound, detail{"Not Found"})
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, detail{"Method Not Allowed"})
}

// ServeHTTP implements [http.Handler]: it recovers panics, counts the
// request in the metrics and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic", slog.String("route", r.Pattern), slog.Any("panic", p))
			if sw.status == 0 {
				writeJSON(sw, http.StatusInternalServerError, detail{"Internal Server Error"})
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.cfg.Metrics.observe(route, sw.code(), d)
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
				slog.String("method", r.Method), slog.String("route", route),
				slog.Int("status", sw.code()), slog.Duration("duration", d))
		}
	}()
	sw.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(sw, r)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// apiHandler handles an authenticated request for account acct. It returns
// an error to be answered through the error table.
type apiHandler func(w http.ResponseWriter, r *http.Request, acct string) error

// authed authenticates the request, applies the rate limit and the body
// limit, then calls h and answers its error.
func (s *Server) authed(res resource, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r)
		if !ok {
			s.writeError(w, r, res, errNotAuthenticated)
			return
		}
		// An address that sent too many unknown keys waits, even with a
		// good one, so that guessing keys is slow.
		addr := clientAddr(r)
		if wait := s.authFail.wait(addr); wait > 0 {
			s.writeError(w, r, res, tooManyRequests(wait))
			return
		}
		acct, err := s.cfg.Keys.Account(r.Context(), key)
		if err != nil {
			if !isNotFound(err) {
				s.writeError(w, r, res, err)
				return
			}
			s.authFail.allow(addr)
			s.writeError(w, r, res, errNotAuthenticated)
			return
		}
		if ok, wait := s.limit.allow(acct); !ok {
			s.writeError(w, r, res, tooManyRequests(wait))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		if err := h(w, r, acct); err != nil {
			s.writeError(w, r, res, err)
		}
	})
}

func tooManyRequests(wait time.Duration) error {
	return &httpError{
		status: http.StatusTooManyRequests,
		detail: "Too many requests; retry later",
		header: http.Header{"Retry-After": {strconv.Itoa(retryAfter(wait))}},
	}
}

// idempotent adds Idempotency-Key replay to a POST handler.
func (s *Server) idempotent(res resource, h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, acct string) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(w, r, acct)
		}
		if len(key) > idemMaxKeyLen {
			return validationError{{Loc: []any{"header", "idempotency-key"}, Msg: "String should have at most 255 characters", Type: typeStringLen}}
		}
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return err // *http.MaxBytesError → 413
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		fp := sha256.Sum256(data)
		now := s.now()
		rec := engine.IdempotencyRecord{
			Key:         idemKey(acct, r.Method, r.URL.Path, key),
			Fingerprint: fp[:],
			Token:       newIdemToken(),
			ExpiresAt:   now.Add(idemLease),
		}
		got, fresh, err := s.idem.ReserveIdempotencyKey(r.Context(), rec, now)
		if err != nil {
			return fmt.Errorf("server: reserve idempotency key: %w", err)
		}
		if !fresh {
			switch {
			case !bytes.Equal(got.Fingerprint, fp[:]):
				return validationError{{
					Loc:  []any{"header", "idempotency-key"},
					Msg:  "This Idempotency-Key was already used with a different request",
					Type: typeValue,
				}}
			case got.Status == 0:
				return &httpError{status: http.StatusConflict, detail: "A request with this Idempotency-Key is still being processed"}
			}
			for k, vs := range got.Header {
				w.Header()[k] = vs
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(got.Status)
			_, _ = w.Write(got.Body)
			return nil
		}
		// The record is written even if the client has gone: the resource
		// exists, and its retry must find it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), idemWriteTimeout)
		defer cancel()
		answered := false
		defer func() {
			if !answered { // h panicked: free the key at once
				s.releaseIdem(ctx, r, rec)
			}
		}()
		rw := newRecorder()
		if err := h(rw, r, acct); err != nil {
			s.writeError(rw, r, res, err)
		}
		answered = true
		if rw.status < 200 || rw.status > 299 {
			s.releaseIdem(ctx, r, rec) // not kept: the request may be retried
		} else {
			rec.Status, rec.Header, rec.Body = rw.status, rw.Header().Clone(), rw.buf.Bytes()
			rec.ExpiresAt = now.Add(idemTTL)
			if err := s.idem.CompleteIdempotencyKey(ctx, rec); err != nil {
				// The answer stands; a retry may run the request again once
				// the reservation's lease ends.
				s.log.LogAttrs(ctx, slog.LevelWarn, "idempotency record not kept", slog.String("route", r.Pattern), slog.Any("err", err))
			}
		}
		rw.copyTo(w)
		return nil
	}
}

// releaseIdem frees the reservation rec of a request whose answer is not
// kept; if that fails, the reservation ends with its lease.
func (s *Server) releaseIdem(ctx context.Context, r *http.Request, rec engine.IdempotencyRecord) {
	if err := s.idem.ReleaseIdempotencyKey(ctx, rec.Key, rec.Token); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "idempotency key not released", slog.String("route", r.Pattern), slog.Any("err", err))
	}
}

// clientAddr returns the client's IP address for per-address limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
