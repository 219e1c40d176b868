package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nlcron/nlcron/internal/server"
)

// v1Routes lists every /v1 route with a concrete path.
var v1Routes = []struct{ method, path, body string }{
	{"GET", "/v1/schedules/text-to-cron?cron=daily", ""},
	{"POST", "/v1/schedules", `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0"}`},
	{"GET", "/v1/schedules", ""},
	{"GET", "/v1/schedules/{sched}", ""},
	{"PUT", "/v1/schedules/{sched}", `{"active":false}`},
	{"DELETE", "/v1/schedules/{sched}", ""},
	{"GET", "/v1/schedules/{sched}/occurrences", ""},
	{"POST", "/v1/agent-runs", `{"chat_id":"` + chat1 + `"}`},
	{"GET", "/v1/agent-runs", ""},
	{"GET", "/v1/agent-runs/{run}", ""},
	{"PUT", "/v1/agent-runs/{run}", `{"message":"hi"}`},
}

// TestUnauthenticated sends every /v1 route without a usable key: each must
// answer 401 {"detail":"Not authenticated"} with WWW-Authenticate: Bearer,
// and change nothing.
func TestUnauthenticated(t *testing.T) {
	withServer(t, nil, func(h *harness) {
		h.do(request{method: "POST", path: "/v1/schedules", key: keyA, body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0"}`})
		sched := h.id()
		h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA, body: `{"chat_id":"` + chat1 + `"}`})
		run := h.id()
		auths := map[string]string{
			"none":          "",
			"unknown key":   "Bearer not-a-key",
			"empty bearer":  "Bearer ",
			"basic":         "Basic " + keyA,
			"key alone":     keyA,
			"key with junk": "Bearer " + keyA + "x",
		}
		for _, rt := range v1Routes {
			path := strings.NewReplacer("{sched}", sched, "{run}", run).Replace(rt.path)
			for name, auth := range auths {
				resp := h.do(request{method: rt.method, path: path, body: rt.body, header: hdr("Authorization", auth)})
				if resp.StatusCode != http.StatusUnauthorized || string(h.last) != `{"detail":"Not authenticated"}`+"\n" ||
					resp.Header.Get("WWW-Authenticate") != "Bearer" {
					t.Errorf("%s %s with %s: %d %q WWW-Authenticate=%q", rt.method, rt.path, name, resp.StatusCode, h.last, resp.Header.Get("WWW-Authenticate"))
				}
			}
		}
		// Nothing changed: the schedule is still active and there is one run.
		h.do(request{method: "GET", path: "/v1/schedules/" + sched, key: keyA})
		var s struct{ Active bool }
		h.data(&s)
		if !s.Active {
			t.Error("an unauthenticated PUT paused the schedule")
		}
		h.do(request{method: "GET", path: "/v1/agent-runs", key: keyA})
		var runs []struct{ ID string }
		h.data(&runs)
		if len(runs) != 1 {
			t.Errorf("%d runs after unauthenticated POSTs, want 1", len(runs))
		}
	})
}

// TestTenancy checks that account B can neither see nor touch anything of
// account A's, and that A's things are unchanged afterwards.
func TestTenancy(t *testing.T) {
	withServer(t, nil, func(h *harness) {
		h.do(request{method: "POST", path: "/v1/schedules", key: keyA, body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0","vars":{"secret":"a"}}`})
		sched := h.id()
		h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA, body: `{"chat_id":"` + chat1 + `","schedule_id":"` + sched + `"}`})
		run := h.id()
		before := map[string]string{}
		for _, p := range []string{"/v1/schedules/" + sched, "/v1/agent-runs/" + run} {
			h.do(request{method: "GET", path: p, key: keyA})
			before[p] = string(h.last)
		}

		for _, tc := range []struct {
			method, path, body string
			status             int
		}{
			{"GET", "/v1/schedules/" + sched, "", 404},
			{"PUT", "/v1/schedules/" + sched, `{"active":false,"cadence":"* * * * *"}`, 404},
			{"DELETE", "/v1/schedules/" + sched, "", 404},
			{"GET", "/v1/schedules/" + sched + "/occurrences", "", 404},
			{"GET", "/v1/agent-runs/" + run, "", 404},
			{"PUT", "/v1/agent-runs/" + run, `{"message":"steal"}`, 404},
			{"POST", "/v1/agent-runs", `{"chat_id":"` + chat1 + `","schedule_id":"` + sched + `"}`, 403},
		} {
			resp := h.do(request{method: tc.method, path: tc.path, key: keyB, body: tc.body})
			if resp.StatusCode != tc.status {
				t.Errorf("B: %s %s = %d %s, want %d", tc.method, tc.path, resp.StatusCode, h.last, tc.status)
			}
			if strings.Contains(string(h.last), sched) || strings.Contains(string(h.last), run) {
				t.Errorf("B: %s %s leaked an id of A's: %s", tc.method, tc.path, h.last)
			}
		}
		for _, p := range []string{"/v1/schedules", "/v1/agent-runs", "/v1/agent-runs?schedule_id=" + sched} {
			h.do(request{method: "GET", path: p, key: keyB})
			if string(h.last) != `{"data":[],"next_cursor":null}`+"\n" {
				t.Errorf("B: GET %s = %s, want an empty list", p, h.last)
			}
		}
		for p, want := range before {
			h.do(request{method: "GET", path: p, key: keyA})
			// The run has finished meanwhile; compare what B could have changed.
			if p == "/v1/schedules/"+sched && string(h.last) != want {
				t.Errorf("A's schedule changed:\nbefore %s\nafter  %s", want, h.last)
			}
			if p == "/v1/agent-runs/"+run && strings.Contains(string(h.last), "steal") {
				t.Errorf("B added a message to A's run: %s", h.last)
			}
		}
	})
}

// TestKeysNeverLeak runs a session and checks that no response and no log
// line contains an API key, and that user_id is not derived from the key.
func TestKeysNeverLeak(t *testing.T) {
	withServer(t, nil, func(h *harness) {
		var all strings.Builder
		for _, rt := range v1Routes {
			for _, key := range []string{keyA, keyB, "wrong-key"} {
				h.do(request{method: rt.method, path: strings.NewReplacer("{sched}", chat1, "{run}", chat1).Replace(rt.path), key: key, body: rt.body})
				all.Write(h.last)
			}
		}
		h.do(request{method: "GET", path: "/metrics"})
		all.Write(h.last)
		logs := h.logs.String()
		if !strings.Contains(logs, "request") {
			t.Fatalf("no request logs captured: %q", logs)
		}
		for _, key := range []string{keyA, keyB, "wrong-key", server.HashKey(keyA), server.HashKey(keyB)} {
			if strings.Contains(all.String(), key) {
				t.Errorf("a response contains %q", key)
			}
			if strings.Contains(logs, key) {
				t.Errorf("the logs contain %q", key)
			}
		}
	})
}

// TestPrivateCallbacksRefused checks that callback URLs naming internal
// addresses are refused when runs and schedules are created, unless allowed.
func TestPrivateCallbacksRefused(t *testing.T) {
	urls := []string{
		"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://api.localhost/hook",
		"http://[::1]/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://172.16.5.4/hook",
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hook", "http://0.0.0.0/hook",
		"http://[::ffff:127.0.0.1]/hook", "http://100.64.0.1/hook", "https://user:pw@example.com/hook",
		"ftp://example.com/hook", "/relative",
	}
	withServer(t, nil, func(h *harness) {
		for _, u := range urls {
			for _, p := range []string{"/v1/schedules", "/v1/agent-runs"} {
				resp := h.do(request{method: "POST", path: p, key: keyA,
					body: `{"chat_id":"` + chat1 + `","cadence":"0 17 * * 0","callback_url":"` + u + `"}`})
				if p == "/v1/agent-runs" {
					resp = h.do(request{method: "POST", path: p, key: keyA, body: `{"chat_id":"` + chat1 + `","callback_url":"` + u + `"}`})
				}
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(h.last), `"callback_url"`) {
					t.Errorf("POST %s with callback %s: %d %s, want 422 naming callback_url", p, u, resp.StatusCode, h.last)
				}
			}
		}
		if resp := h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat1 + `","callback_url":"https://hooks.example.com/x"}`}); resp.StatusCode != 200 {
			t.Errorf("public callback refused: %d %s", resp.StatusCode, h.last)
		}
	})
	withServer(t, func(c *server.Config) { c.AllowPrivateCallbacks = true }, func(h *harness) {
		if resp := h.do(request{method: "POST", path: "/v1/agent-runs", key: keyA,
			body: `{"chat_id":"` + chat1 + `","callback_url":"http://127.0.0.1:9/hook"}`}); resp.StatusCode != 200 {
			t.Errorf("with AllowPrivateCallbacks: %d %s", resp.StatusCode, h.last)
		}
	})
}
