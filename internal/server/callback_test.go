package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/internal/server"
)

var secret = []byte("test-secret")

// receiver records callbacks; answer decides each status code.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	calls  atomic.Int32
	answer func(n int) int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(rc.calls.Add(1))
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, b)
	rc.heads = append(rc.heads, r.Header.Clone())
	rc.mu.Unlock()
	code := 200
	if rc.answer != nil {
		code = rc.answer(n)
	}
	w.WriteHeader(code)
}

func newNotifier(allowPrivate bool) *server.Notifier {
	return server.NewNotifier(server.NotifierConfig{
		Secret: secret, Client: server.NewCallbackClient(allowPrivate),
		Backoff: func(int) time.Duration { return 0 }, MaxAttempts: 4,
	})
}

func TestCallbackSignedAndVerified(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	ts := httptest.NewServer(rc)
	defer ts.Close()
	n := newNotifier(true)
	n.RunFinished(context.Background(), &engine.Run{ID: "run-1", Status: engine.RunCompleted, LastAgentMessage: "done", CallbackURL: ts.URL + "/hook"})
	n.RunFinished(context.Background(), &engine.Run{ID: "run-2", Status: engine.RunFailed, CallbackURL: ts.URL + "/hook"})
	n.RunFinished(context.Background(), &engine.Run{ID: "run-3", Status: engine.RunCompleted}) // no URL: nothing sent
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rc.calls.Load(); got != 2 {
		t.Fatalf("%d callbacks, want 2", got)
	}
	got := map[string]map[string]any{}
	for i, b := range rc.bodies {
		h := rc.heads[i]
		if err := server.VerifySignature(secret, h.Get(server.TimestampHeader), h.Get(server.SignatureHeader), b, time.Now(), time.Minute); err != nil {
			t.Errorf("callback %s: %v", b, err)
		}
		if err := server.VerifySignature([]byte("other"), h.Get(server.TimestampHeader), h.Get(server.SignatureHeader), b, time.Now(), time.Minute); err == nil {
			t.Error("signature verified with the wrong secret")
		}
		if ct := h.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		got[v["run_id"].(string)] = v
	}
	want := map[string]map[string]any{
		"run-1": {"run_id": "run-1", "status": "completed", "last_agent_message": "done"},
		"run-2": {"run_id": "run-2", "status": "failed", "last_agent_message": nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("callback bodies mismatch (-want +got):\n%s", diff)
	}
}

func TestCallbackRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		answer  func(n int) int
		calls   int32
		wantErr bool
	}{
		{"ok at once", func(int) int { return 200 }, 1, false},
		{"5xx then ok", func(n int) int { return map[bool]int{true: 503, false: 204}[n < 3] }, 3, false},
		{"429 then ok", func(n int) int { return map[bool]int{true: 429, false: 200}[n < 2] }, 2, false},
		{"always 500", func(int) int { return 500 }, 4, true},
		{"4xx is final", func(int) int { return 404 }, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := &receiver{answer: tc.answer}
			ts := httptest.NewServer(rc)
			defer ts.Close()
			err := newNotifier(true).Send(context.Background(), ts.URL, server.CallbackPayload{RunID: "r", Status: engine.RunCompleted})
			if (err != nil) != tc.wantErr {
				t.Errorf("Send error = %v, want error %v", err, tc.wantErr)
			}
			if got := rc.calls.Load(); got != tc.calls {
				t.Errorf("%d attempts, want %d", got, tc.calls)
			}
		})
	}
}

// TestCallbackSSRF checks the dial-time check: a host name that resolves to
// a loopback address is refused after resolution, nothing reaches the
// receiver, and the refusal is not retried.
func TestCallbackSSRF(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	ts := httptest.NewServer(rc)
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	for _, u := range []string{
		"http://localhost:" + port + "/hook", // a name: only the dialer can tell
		ts.URL + "/hook",                     // a literal loopback address
	} {
		err := newNotifier(false).Send(context.Background(), u, server.CallbackPayload{RunID: "r", Status: engine.RunCompleted})
		if !errors.Is(err, server.ErrForbiddenAddress) {
			t.Errorf("Send(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if got := rc.calls.Load(); got != 0 {
		t.Errorf("the receiver got %d requests", got)
	}
	// Redirects are not followed (they could point inside).
	redir := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/", http.StatusFound))
	defer redir.Close()
	if err := newNotifier(true).Send(context.Background(), redir.URL, server.CallbackPayload{RunID: "r"}); err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("redirect: %v, want a final 302 failure", err)
	}
}

func TestCallbackClientTimeout(t *testing.T) {
	t.Parallel()
	if got := server.NewCallbackClient(false).Timeout; got != 10*time.Second {
		t.Errorf("callback timeout %v, want 10s", got)
	}
}

// TestCallbackSecretRotation checks that during a rotation a callback is
// signed with the current and the previous secrets, so that a receiver
// with either accepts it and one with neither does not.
func TestCallbackSecretRotation(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	ts := httptest.NewServer(rc)
	defer ts.Close()
	old := []byte("previous-secret")
	n := server.NewNotifier(server.NotifierConfig{
		Secret: secret, PreviousSecrets: [][]byte{old}, Client: server.NewCallbackClient(true),
		Backoff: func(int) time.Duration { return 0 },
	})
	n.RunFinished(context.Background(), &engine.Run{ID: "run-1", Status: engine.RunCompleted, CallbackURL: ts.URL + "/hook"})
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rc.calls.Load(); got != 1 {
		t.Fatalf("%d callbacks, want 1", got)
	}
	h, b := rc.heads[0], rc.bodies[0]
	sig := h.Get(server.SignatureHeader)
	if parts := strings.Split(sig, ", "); len(parts) != 2 || !strings.HasPrefix(parts[0], "sha256=") || !strings.HasPrefix(parts[1], "sha256=") {
		t.Fatalf("signature header %q, want two sha256= signatures", sig)
	}
	for _, tc := range []struct {
		name   string
		secret []byte
		ok     bool
	}{
		{"receiver with the new secret", secret, true},
		{"receiver with the old secret", old, true},
		{"receiver with another secret", []byte("other"), false},
	} {
		err := server.VerifySignature(tc.secret, h.Get(server.TimestampHeader), sig, b, time.Now(), time.Minute)
		if (err == nil) != tc.ok {
			t.Errorf("%s: VerifySignature = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"run_id":"x"}`)
	sig := server.Sign(secret, now, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	for _, tc := range []struct {
		name, ts, sig string
		body          []byte
		at            time.Time
		ok            bool
	}{
		{"good", "1700000000", sig, body, now, true},
		{"late but in tolerance", "1700000000", sig, body, now.Add(4 * time.Minute), true},
		{"stale", "1700000000", sig, body, now.Add(10 * time.Minute), false},
		{"other body", "1700000000", sig, []byte(`{"run_id":"y"}`), now, false},
		{"other timestamp", "1700000001", sig, body, now, false},
		{"bad timestamp", "soon", sig, body, now, false},
		{"no signature", "1700000000", "", body, now, false},
		{"one of several", "1700000000", "sha256=00, " + sig, body, now, true},
		{"none of several", "1700000000", "sha256=00, sha256=11", body, now, false},
	} {
		err := server.VerifySignature(secret, tc.ts, tc.sig, tc.body, tc.at, 5*time.Minute)
		if (err == nil) != tc.ok {
			t.Errorf("%s: VerifySignature = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 7: time.Minute, 30: time.Minute} {
		for range 20 {
			d := server.DefaultBackoff(n)
			if d < base || d > base+base/5 {
				t.Errorf("DefaultBackoff(%d) = %v, want in [%v, %v]", n, d, base, base+base/5)
			}
		}
	}
}
