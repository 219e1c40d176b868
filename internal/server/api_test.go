package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/internal/server"
)

// Chat ids chosen by the tests (kept as they are in golden files).
const (
	chat1 = "00000000-0000-4000-8000-000000000001"
	chat2 = "00000000-0000-4000-8000-000000000002"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestAPI walks every endpoint and every documented answer, comparing each
// exchange with a golden file under testdata/api (go test -update rewrites
// them). Time is fake: the bubble starts at 2000-01-01 00:00:00 UTC and each
// request moves it one second.
func TestAPI(t *testing.T) {
	withServer(t, func(c *server.Config) { c.AllowPrivateCallbacks = false }, func(h *harness) {
		// text-to-cron, as upstream's guide calls it.
		h.golden("text-to-cron-guide", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=sundays+5pm+UTC", key: keyA})
		h.golden("text-to-cron-cron", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=0+17+*+*+0", key: keyA})
		h.golden("text-to-cron-timezone", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=every+weekday+at+9am&timezone=America/New_York", key: keyA})
		h.golden("text-to-cron-min-cadence", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=*/5+*+*+*+*", key: keyA})
		h.golden("text-to-cron-bad-word", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=every+blursday+at+9am", key: keyA})
		h.golden("text-to-cron-bad-cron", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=0+25+*+*+*", key: keyA})
		h.golden("text-to-cron-missing", request{method: "GET", path: "/v1/schedules/text-to-cron", key: keyA})
		h.golden("text-to-cron-bad-zone", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=daily&timezone=Mars/Olympus", key: keyA})
		h.golden("text-to-cron-no-key", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=daily"})
		h.golden("text-to-cron-bad-key", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=daily", key: "nope"})
		h.golden("playground-text-to-cron", request{method: "GET", path: "/playground/text-to-cron?cron=0+17+*+*+0"})

		// Create, as in the guide, then with every field.
		h.golden("create-guide", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0"}`})
		guide := h.id()
		h.golden("create-full", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"*/10 * * * *","bundle":"Research","toolhouse_id":"user-42","vars":{"city":"Oslo"},"callback_url":"https://hooks.example.com/nlcron?token=x","timezone":"Europe/Oslo"}`})
		every10 := h.id()
		h.golden("create-clamped", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat2 + `","cadence":"*/5 * * * *"}`})
		clamped := h.id()
		h.golden("create-missing-fields", request{method: "POST", path: "/v1/schedules", key: keyA, body: `{}`})
		h.golden("create-unknown-field", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0","color":"red"}`})
		h.golden("create-wrong-types", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":42,"cadence":["0 17 * * 0"],"vars":{"a":1},"bundle":true}`})
		h.golden("create-malformed-json", request{method: "POST", path: "/v1/schedules", key: keyA, body: `{"chat_id": "x",`})
		h.golden("create-not-object", request{method: "POST", path: "/v1/schedules", key: keyA, body: `[1,2]`})
		h.golden("create-empty-body", request{method: "POST", path: "/v1/schedules", key: keyA})
		h.golden("create-bad-cadence", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"every blursday"}`})
		h.golden("create-bad-chat-id", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"agent-7","cadence":"0 17 * * 0"}`})
		h.golden("create-private-callback", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0","callback_url":"http://169.254.169.254/latest/meta-data"}`})
		h.golden("create-too-large", request{method: "POST", path: "/v1/schedules", key: keyA,
			body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0","vars":{"x":"` + strings.Repeat("a", server.DefaultMaxBodyBytes) + `"}}`})
		h.golden("create-no-key", request{method: "POST", path: "/v1/schedules", body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0"}`})

		// Idempotency-Key: a retry gets the first answer; another body is refused.
		idem := hdr("Idempotency-Key", "create-once")
		h.golden("create-idempotent-first", request{method: "POST", path: "/v1/schedules", key: keyA, header: idem,
			body: `{"chat_id":"` + chat2 + `","cadence":"0 9 * * 1-5"}`})
		first := h.id()
		h.golden("create-idempotent-replay", request{method: "POST", path: "/v1/schedules", key: keyA, header: idem,
			body: `{"chat_id":"` + chat2 + `","cadence":"0 9 * * 1-5"}`})
		if got := h.id(); got != first {
			t.Errorf("replayed create returned id %s, want the first one %s", got, first)
		}
		h.golden("create-idempotent-other-body", request{method: "POST", path: "/v1/schedules", key: keyA, header: idem,
			body: `{"chat_id":"` + chat2 + `","cadence":"0 10 * * 1-5"}`})
		h.do(request{method: "DELETE", path: "/v1/schedules/" + first, key: keyA})

		// Read and list.
		h.golden("get", request{method: "GET", path: "/v1/schedules/" + guide, key: keyA})
		h.golden("get-unknown", request{method: "GET", path: "/v1/schedules/00000000-0000-4000-8000-0000000000ff", key: keyA})
		h.golden("get-other-account", request{method: "GET", path: "/v1/schedules/" + guide, key: keyB})
		h.golden("list", request{method: "GET", path: "/v1/schedules", key: keyA})
		h.golden("list-page-1", request{method: "GET", path: "/v1/schedules?limit=2", key: keyA})
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		decodeJSON(t, h.last, &page)
		h.golden("list-page-2", request{method: "GET", path: "/v1/schedules?limit=2&next_cursor=" + page.NextCursor, key: keyA})
		h.golden("list-bad-limit", request{method: "GET", path: "/v1/schedules?limit=0", key: keyA})
		h.golden("list-bad-cursor", request{method: "GET", path: "/v1/schedules?next_cursor=%21%21", key: keyA})
		h.golden("list-other-account", request{method: "GET", path: "/v1/schedules", key: keyB})

		// Update, as in the guide: new cadence, pause, resume.
		h.golden("update-cadence", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyA, body: `{"cadence":"0 */3 * * *"}`})
		h.golden("update-pause", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyA, body: `{"active":false}`})
		h.golden("update-resume", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyA, body: `{"active":true}`})
		h.golden("update-clear", request{method: "PUT", path: "/v1/schedules/" + every10, key: keyA, body: `{"callback_url":null,"vars":null}`})
		h.golden("update-wrong-type", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyA, body: `{"active":"no"}`})
		h.golden("update-bad-cadence", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyA, body: `{"cadence":"0 0 30 2 *"}`})
		h.golden("update-unknown", request{method: "PUT", path: "/v1/schedules/00000000-0000-4000-8000-0000000000ff", key: keyA, body: `{"active":false}`})
		h.golden("update-other-account", request{method: "PUT", path: "/v1/schedules/" + guide, key: keyB, body: `{"active":false}`})

		// Let the every-10-minutes schedule fire: the clock is at 00:01:xx.
		time.Sleep(20 * time.Minute)
		h.golden("occurrences", request{method: "GET", path: "/v1/schedules/" + every10 + "/occurrences?limit=5", key: keyA})
		h.golden("occurrences-clamped", request{method: "GET", path: "/v1/schedules/" + clamped + "/occurrences?from=2000-01-01T00:00:00Z&to=2000-01-01T00:30:00Z", key: keyA})
		h.golden("occurrences-bad-from", request{method: "GET", path: "/v1/schedules/" + every10 + "/occurrences?from=yesterday", key: keyA})
		h.golden("occurrences-unknown", request{method: "GET", path: "/v1/schedules/00000000-0000-4000-8000-0000000000ff/occurrences", key: keyA})
		h.golden("occurrences-other-account", request{method: "GET", path: "/v1/schedules/" + every10 + "/occurrences", key: keyB})
		h.golden("runs-of-schedule", request{method: "GET", path: "/v1/agent-runs?schedule_id=" + every10, key: keyA})

		// Agent runs.
		h.golden("run-create", request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat1 + `","vars":{"topic":"weather"}}`})
		run := h.id()
		h.golden("run-get-completed", request{method: "GET", path: "/v1/agent-runs/" + run, key: keyA})
		h.golden("run-create-for-schedule", request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat1 + `","schedule_id":"` + guide + `","vars":{"block":"yes"}}`})
		blocked := h.id()
		h.golden("run-create-other-chat", request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat2 + `","schedule_id":"` + guide + `"}`})
		h.golden("run-create-other-account", request{method: "POST", path: "/v1/agent-runs", key: keyB,
			body: `{"chat_id":"` + chat1 + `","schedule_id":"` + guide + `"}`})
		h.golden("run-create-missing-chat", request{method: "POST", path: "/v1/agent-runs", key: keyA, body: `{"bundle":"x"}`})
		h.golden("run-create-failing", request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat2 + `","vars":{"fail":"yes"}}`})
		failed := h.id()
		h.golden("run-get-failed", request{method: "GET", path: "/v1/agent-runs/" + failed, key: keyA})
		h.golden("run-get-in-progress", request{method: "GET", path: "/v1/agent-runs/" + blocked, key: keyA})
		h.golden("run-message-in-progress", request{method: "PUT", path: "/v1/agent-runs/" + blocked, key: keyA, body: `{"message":"hurry up"}`})
		h.golden("run-message", request{method: "PUT", path: "/v1/agent-runs/" + run, key: keyA, body: `{"message":"Now for Bergen"}`})
		h.golden("run-get-after-message", request{method: "GET", path: "/v1/agent-runs/" + run, key: keyA})
		h.golden("run-message-missing", request{method: "PUT", path: "/v1/agent-runs/" + run, key: keyA, body: `{"text":"hi"}`})
		h.golden("run-message-unknown", request{method: "PUT", path: "/v1/agent-runs/00000000-0000-4000-8000-0000000000ff", key: keyA, body: `{"message":"hi"}`})
		h.golden("run-get-unknown", request{method: "GET", path: "/v1/agent-runs/00000000-0000-4000-8000-0000000000ff", key: keyA})
		h.golden("run-get-other-account", request{method: "GET", path: "/v1/agent-runs/" + run, key: keyB})
		h.golden("runs-list", request{method: "GET", path: "/v1/agent-runs?limit=3", key: keyA})
		h.golden("runs-list-status", request{method: "GET", path: "/v1/agent-runs?status=failed", key: keyA})
		h.golden("runs-list-bad-status", request{method: "GET", path: "/v1/agent-runs?status=done", key: keyA})
		h.golden("runs-list-other-account", request{method: "GET", path: "/v1/agent-runs", key: keyB})

		// Delete, as in the guide.
		h.golden("delete", request{method: "DELETE", path: "/v1/schedules/" + guide, key: keyA})
		h.golden("delete-again", request{method: "DELETE", path: "/v1/schedules/" + guide, key: keyA})
		h.golden("delete-other-account", request{method: "DELETE", path: "/v1/schedules/" + every10, key: keyB})

		// Routing answers in JSON.
		h.golden("method-not-allowed", request{method: "PATCH", path: "/v1/schedules/" + every10, key: keyA})
		h.golden("not-found", request{method: "GET", path: "/v2/schedules", key: keyA})
		h.golden("healthz", request{method: "GET", path: "/healthz"})

		// A paused hour is one occurrence, a span, returned although it
		// began before from.
		h.do(request{method: "PUT", path: "/v1/schedules/" + every10, key: keyA, body: `{"active":false}`})
		time.Sleep(time.Hour)
		h.do(request{method: "PUT", path: "/v1/schedules/" + every10, key: keyA, body: `{"active":true}`})
		h.golden("occurrences-paused", request{method: "GET", path: "/v1/schedules/" + every10 + "/occurrences?from=2000-01-01T00:45:00Z&to=2000-01-01T01:45:00Z", key: keyA})
	})
}

// TestTextToCronRejectPolicy checks text-to-cron's warning under the reject
// policy (TestAPI covers clamp): it says, in the engine's words, why a
// schedule with this cadence would be refused.
func TestTextToCronRejectPolicy(t *testing.T) {
	withServer(t, func(c *server.Config) {
		c.CadencePolicy = engine.CadenceReject
		c.MinCadence = 36 * time.Hour
	}, func(h *harness) {
		h.golden("text-to-cron-min-cadence-reject", request{method: "GET", path: "/v1/schedules/text-to-cron?cron=every+day+at+9am", key: keyA})
	})
}

// TestTextToCronNoMinimum checks that a negative MinCadence, as in the
// engine, means no minimum and so no cadence warning.
func TestTextToCronNoMinimum(t *testing.T) {
	withServer(t, func(c *server.Config) { c.MinCadence = -1 }, func(h *harness) {
		var ans struct{ Warnings []string }
		if resp := h.do(request{method: "GET", path: "/v1/schedules/text-to-cron?cron=*/5+*+*+*+*", key: keyA}); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		decodeJSON(t, h.last, &ans)
		if len(ans.Warnings) != 0 {
			t.Errorf("warnings %q, want none", ans.Warnings)
		}
	})
}

// TestRateLimit checks the 429 answer and its Retry-After header.
func TestRateLimit(t *testing.T) {
	withServer(t, func(c *server.Config) { c.RateLimit = 2; c.RateBurst = 3 }, func(h *harness) {
		h.tick = 0
		list := request{method: "GET", path: "/v1/schedules", key: keyA}
		for i := range 3 {
			if resp := h.do(list); resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: status %d, want 200", i+1, resp.StatusCode)
			}
		}
		h.golden("rate-limited", list)
		// Account B has its own bucket.
		if resp := h.do(request{method: "GET", path: "/v1/schedules", key: keyB}); resp.StatusCode != http.StatusOK {
			t.Errorf("account B: status %d, want 200", resp.StatusCode)
		}
		// After Retry-After seconds, A gets through again.
		time.Sleep(time.Second)
		if resp := h.do(list); resp.StatusCode != http.StatusOK {
			t.Errorf("after waiting: status %d, want 200", resp.StatusCode)
		}
		// The playground endpoint is limited per client address.
		pg := request{method: "GET", path: "/playground/text-to-cron?cron=0+17+*+*+0"}
		codes := make([]int, 0, 5)
		for range 5 {
			codes = append(codes, h.do(pg).StatusCode)
		}
		if codes[len(codes)-1] != http.StatusTooManyRequests {
			t.Errorf("playground statuses %v: want the last to be 429", codes)
		}
	})
}

// TestAuthFailureLimit checks that an address that sends too many unknown
// keys is answered 429 until it earns another try, whatever key it sends,
// and that other addresses and requests without a key are not affected.
func TestAuthFailureLimit(t *testing.T) {
	withServer(t, func(c *server.Config) { c.AuthFailureBurst = 3 }, func(h *harness) {
		h.tick = 0
		bad := request{method: "GET", path: "/v1/schedules", key: "guess"}
		good := request{method: "GET", path: "/v1/schedules", key: keyA}
		tests := []struct {
			name string
			req  request
			want int
		}{
			{"no key does not count", request{method: "GET", path: "/v1/schedules"}, http.StatusUnauthorized},
			{"no key does not count", request{method: "GET", path: "/v1/schedules"}, http.StatusUnauthorized},
			{"unknown key 1", bad, http.StatusUnauthorized},
			{"good key", good, http.StatusOK},
			{"unknown key 2", bad, http.StatusUnauthorized},
			{"unknown key 3", bad, http.StatusUnauthorized},
			{"burst used up", bad, http.StatusTooManyRequests},
			{"even with a good key", good, http.StatusTooManyRequests},
			{"another address", request{method: "GET", path: "/v1/schedules", key: "guess", addr: "198.51.100.7:80"}, http.StatusUnauthorized},
		}
		for _, tc := range tests {
			resp := h.do(tc.req)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.want, h.last)
			}
			if tc.want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "6" {
				t.Errorf("%s: Retry-After %q, want 6", tc.name, resp.Header.Get("Retry-After"))
			}
		}
		// One more try every AuthFailureRefill.
		time.Sleep(server.AuthFailureRefill)
		if resp := h.do(good); resp.StatusCode != http.StatusOK {
			t.Errorf("after %v: status %d, want 200", server.AuthFailureRefill, resp.StatusCode)
		}
		if resp := h.do(bad); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("after %v, an unknown key: status %d, want 401", server.AuthFailureRefill, resp.StatusCode)
		}
		if resp := h.do(bad); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the try after that: status %d, want 429", resp.StatusCode)
		}
	})
}

// TestMetrics checks that /metrics exports the engine and HTTP metrics.
func TestMetrics(t *testing.T) {
	withServer(t, nil, func(h *harness) {
		h.do(request{method: "GET", path: "/v1/schedules", key: keyA})
		h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA, body: `{"chat_id":"` + chat1 + `"}`})
		h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA, body: `{"chat_id":"` + chat1 + `","vars":{"fail":"yes"}}`})
		h.do(request{method: "POST", path: "/v1/schedules", key: keyA, body: `{"chat_id":"` + chat1 + `","cadence":"*/10 * * * *"}`})
		time.Sleep(15 * time.Minute)
		resp := h.do(request{method: "GET", path: "/metrics"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		text := string(h.last)
		for _, want := range []string{
			`nlcron_http_requests_total{code="200",route="GET /v1/schedules"} 1`,
			`nlcron_runs_finished_total{status="completed"} 2`,
			`nlcron_runs_finished_total{status="failed"} 1`,
			`nlcron_skipped_fires_total{reason="overlap"} 0`,
			`nlcron_pruned_total 0`,
			`nlcron_dispatch_lag_seconds_count 1`,
			`nlcron_http_request_duration_seconds_bucket{route="POST /v1/agent-runs",le="+Inf"} 2`,
			`go_goroutines`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// TestPage checks the playground page and its assets.
func TestPage(t *testing.T) {
	withServer(t, nil, func(h *harness) {
		for _, tc := range []struct{ path, typ, contains string }{
			{"/", "text/html; charset=utf-8", `<script src="/static/app.js" defer></script>`},
			{"/static/app.js", "text/javascript; charset=utf-8", "/playground/text-to-cron"},
			{"/static/style.css", "text/css; charset=utf-8", ":root"},
			{"/openapi.json", "application/json", `"openapi": "3.1.0"`},
		} {
			resp := h.do(request{method: "GET", path: tc.path})
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.typ || !strings.Contains(string(h.last), tc.contains) {
				t.Errorf("GET %s: %d %q, body contains %q: %v", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains, strings.Contains(string(h.last), tc.contains))
			}
		}
		if resp := h.do(request{method: "GET", path: "/static/secret.txt"}); resp.StatusCode != 404 {
			t.Errorf("GET /static/secret.txt: %d, want 404", resp.StatusCode)
		}
		if resp := h.do(request{method: "GET", path: "/"}); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("page CSP = %q", resp.Header.Get("Content-Security-Policy"))
		}
	})
}

func TestHealthzUnhealthy(t *testing.T) {
	withServer(t, func(c *server.Config) {
		c.Ready = func(context.Context) error { return fmt.Errorf("database is gone") }
	}, func(h *harness) {
		if resp := h.do(request{method: "GET", path: "/healthz"}); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", resp.StatusCode)
		}
	})
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
