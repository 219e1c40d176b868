package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
	"github.com/nlcron/nlcron/internal/server"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The API keys of the two test accounts.
const (
	keyA = "test-key-account-a"
	keyB = "test-key-account-b"
)

// harness is a handler over a running engine and a memstore, inside a
// testing/synctest bubble: time is fake (it starts at 2000-01-01 00:00 UTC
// and only moves when the test sleeps), so timestamps are deterministic.
type harness struct {
	t    *testing.T
	srv  *server.Server
	eng  *engine.Engine
	logs *lockedBuffer
	// gate holds runs whose vars have block=yes until it is closed.
	gate chan struct{}
	// ids maps every UUID seen to a stable placeholder, in order of
	// first appearance.
	ids map[string]string
	// last is the body of the last response.
	last []byte
	// tick is how far fake time moves before each request (default 1s), so
	// that resources created by successive requests have distinct times.
	tick time.Duration
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// gatedRunner is the echo agent, except that runs with vars block=yes wait
// for the gate (or their context) first.
func gatedRunner(gate chan struct{}) engine.Runner {
	echo := server.EchoRunner(nil)
	return engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
		if r.Vars["block"] == "yes" {
			select {
			case <-gate:
			case <-ctx.Done():
				return engine.Result{}, ctx.Err()
			}
		}
		if r.Vars["fail"] == "yes" {
			return engine.Result{}, fmt.Errorf("the agent gave up")
		}
		return echo.Run(ctx, r)
	})
}

// withServer runs fn in a synctest bubble with a fresh harness. configure,
// if not nil, adjusts the server config before the handler is built.
func withServer(t *testing.T, configure func(*server.Config), fn func(h *harness)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		logs := &lockedBuffer{}
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		store := memstore.New()
		keys := server.NewKeys(store)
		ctx := t.Context()
		for _, k := range []string{keyA, keyB} {
			if _, err := keys.Add(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		gate := make(chan struct{})
		metrics := server.NewMetrics()
		eng, err := engine.New(engine.Config{
			Store: store, Runner: gatedRunner(gate), Logger: log, Observer: metrics,
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg := server.Config{
			Engine: eng, Keys: keys, Logger: log, Metrics: metrics,
			Ready: func(ctx context.Context) error { _, err := store.NextDue(ctx); return err },
		}
		if configure != nil {
			configure(&cfg)
		}
		h := &harness{t: t, srv: server.New(cfg), eng: eng, logs: logs, gate: gate, ids: map[string]string{}, tick: time.Second}
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(runCtx) }()
		defer func() {
			select {
			case <-gate:
			default:
				close(gate)
			}
			stop()
			if err := <-done; err != nil && err != context.Canceled {
				t.Errorf("engine.Run: %v", err)
			}
		}()
		fn(h)
	})
}

// request is one API call.
type request struct {
	method, path string
	key          string // "" sends no Authorization header
	body         string
	header       http.Header
	addr         string // the client's address; "" is 192.0.2.1:1234
}

// do sends req to the handler and returns the response; the engine gets to
// run (synctest.Wait) before and after.
func (h *harness) do(req request) *http.Response {
	h.t.Helper()
	time.Sleep(h.tick)
	synctest.Wait()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	r.RemoteAddr = "192.0.2.1:1234"
	if req.addr != "" {
		r.RemoteAddr = req.addr
	}
	if req.key != "" {
		r.Header.Set("Authorization", "Bearer "+req.key)
	}
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range req.header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.srv.ServeHTTP(w, r)
	resp := w.Result()
	h.last, _ = io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(h.last))
	synctest.Wait()
	return resp
}

// data decodes the "data" member of the last response into v.
func (h *harness) data(v any) {
	h.t.Helper()
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(h.last, &env); err != nil {
		h.t.Fatalf("decode %s: %v", h.last, err)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		h.t.Fatalf("decode data %s: %v", env.Data, err)
	}
}

// id returns the "id" of the object in the last response's data.
func (h *harness) id() string {
	h.t.Helper()
	var v struct{ ID string }
	h.data(&v)
	if v.ID == "" {
		h.t.Fatalf("no id in %s", h.last)
	}
	return v.ID
}

var cursorRE = regexp.MustCompile(`(next_cursor=([^&\s]+)|"next_cursor": "([^"]+)")`)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// normalise replaces UUIDs with placeholders numbered in order of first
// appearance (chat ids chosen by the test are kept as they are).
func (h *harness) normalise(s string) string {
	// Cursors are opaque and embed ids: number them too.
	s = cursorRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := cursorRE.FindStringSubmatch(m)
		c := sub[2] + sub[3] // one of them is empty
		p, ok := h.ids[c]
		if !ok {
			p = fmt.Sprintf("<cursor-%d>", len(h.ids)+1)
			h.ids[c] = p
		}
		return strings.Replace(m, c, p, 1)
	})
	return uuidRE.ReplaceAllStringFunc(s, func(u string) string {
		if strings.HasPrefix(u, "00000000-") {
			return u
		}
		p, ok := h.ids[u]
		if !ok {
			p = fmt.Sprintf("<uuid-%d>", len(h.ids)+1)
			h.ids[u] = p
		}
		return p
	})
}

// goldenHeaders are the response headers golden files record.
var goldenHeaders = []string{"Allow", "Content-Type", "Idempotent-Replayed", "Retry-After", "Www-Authenticate"}

// golden sends req and compares the exchange with testdata/api/name.golden.
func (h *harness) golden(name string, req request) *http.Response {
	h.t.Helper()
	resp := h.do(req)
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.method, req.path)
	if req.key != "" {
		fmt.Fprintf(&b, "> Authorization: Bearer %s\n", req.key)
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range req.header {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "> %s: %s\n", k, req.header.Get(k))
	}
	if req.body != "" {
		body := req.body
		if len(body) > 300 {
			body = body[:300] + fmt.Sprintf("... (%d bytes)", len(req.body))
		}
		fmt.Fprintf(&b, "> %s\n", body)
	}
	fmt.Fprintf(&b, "\n< %d %s\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	for _, k := range goldenHeaders {
		if v := resp.Header.Get(k); v != "" {
			fmt.Fprintf(&b, "< %s: %s\n", k, v)
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, h.last, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(h.last)
	}
	b.WriteString(strings.TrimRight(pretty.String(), "\n"))
	b.WriteString("\n")
	got := h.normalise(b.String())

	path := filepath.Join("testdata", "api", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			h.t.Fatal(err)
		}
		return resp
	}
	want, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		h.t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
	return resp
}
