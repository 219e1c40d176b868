package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
	"github.com/nlcron/nlcron/internal/server"
)

const fuzzKey = "fuzz-key"

// fixture is one handler shared by every fuzz input: building an engine per
// input would make fuzzing slow, and sharing it also lets inputs meet the
// state earlier inputs created.
type fixture struct {
	srv *server.Server
	mu  sync.Mutex
	ids []string // ids of resources created, offered to later paths
}

var (
	once sync.Once
	fx   *fixture
)

func newFixture(tb testing.TB) *fixture {
	once.Do(func() {
		store := memstore.New()
		keys := server.NewKeys(store)
		if _, err := keys.Add(context.Background(), fuzzKey); err != nil {
			panic(err)
		}
		eng, err := engine.New(engine.Config{Store: store, Runner: server.EchoRunner(nil)})
		if err != nil {
			panic(err)
		}
		now := time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC)
		fx = &fixture{srv: server.New(server.Config{
			Engine: eng, Keys: keys, Now: func() time.Time { return now },
		})}
	})
	return fx
}

var methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// FuzzHandler sends arbitrary methods, paths, query strings, headers and
// bodies to the handler. It must never panic and never answer 5xx: every
// problem with client input is a 4xx. "{id}" in the path is replaced with
// the id of a resource an earlier input created.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method uint8
		path   string
		query  string
		body   string
		auth   bool
	}{
		{0, "/v1/schedules/text-to-cron", "cron=sundays+5pm+UTC", "", true},
		{0, "/v1/schedules/text-to-cron", "cron=every+blursday&timezone=Europe/Oslo", "", true},
		{0, "/v1/schedules/text-to-cron", "cron=0+25+*+*+*&timezone=Local", "", true},
		{0, "/playground/text-to-cron", "cron=%ff%fe", "", false},
		{1, "/v1/schedules", "", `{"chat_id":"00000000-0000-4000-8000-000000000001","cadence":"0 17 * * 0"}`, true},
		{1, "/v1/schedules", "", `{"chat_id":"00000000-0000-4000-8000-000000000001","cadence":"every 5 minutes","vars":{"a":"b"},"callback_url":"http://10.0.0.1/"}`, true},
		{1, "/v1/schedules", "", `{"chat_id":1,"cadence":null,"vars":[],"x":{}}`, true},
		{1, "/v1/schedules", "", `{"chat_id": "x",`, true},
		{0, "/v1/schedules", "limit=0&next_cursor=%%", "", true},
		{0, "/v1/schedules/{id}", "", "", true},
		{2, "/v1/schedules/{id}", "", `{"active":false,"cadence":"0 */3 * * *","vars":null,"callback_url":null}`, true},
		{3, "/v1/schedules/{id}", "", "", true},
		{0, "/v1/schedules/{id}/occurrences", "from=2025-01-01T00:00:00Z&to=2024-01-01T00:00:00Z&limit=99999", "", true},
		{1, "/v1/agent-runs", "", `{"chat_id":"00000000-0000-4000-8000-000000000001","schedule_id":"{id}"}`, true},
		{0, "/v1/agent-runs", "status=done&schedule_id=%00", "", true},
		{2, "/v1/agent-runs/{id}", "", `{"message":"hi"}`, true},
		{4, "/v1/agent-runs/{id}", "", "", true},
		{0, "/../../etc/passwd", "", "", false},
		{0, "/static/app.js", "", "", false},
		{0, "/v1/schedules/%2e%2e", "", "", true},
		{1, "/v1/schedules", "", strings.Repeat("[", 10000), true},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.auth)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query string, body []byte, auth bool) {
		fx := newFixture(t)
		fx.mu.Lock()
		if len(fx.ids) > 0 {
			path = strings.ReplaceAll(path, "{id}", fx.ids[len(path)%len(fx.ids)])
			body = bytes.ReplaceAll(body, []byte("{id}"), []byte(fx.ids[len(body)%len(fx.ids)]))
		}
		fx.mu.Unlock()
		u := &url.URL{Path: "/" + strings.TrimLeft(path, "/"), RawQuery: query}
		req, err := http.NewRequest(methods[int(method)%len(methods)], "http://nlcron.test"+u.RequestURI(), bytes.NewReader(body))
		if err != nil {
			return // not a request a server could receive
		}
		req.RemoteAddr = "192.0.2.7:4000"
		if auth {
			req.Header.Set("Authorization", "Bearer "+fuzzKey)
		}
		if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
			if len(body)%3 == 0 {
				req.Header.Set("Idempotency-Key", string(body[:min(len(body), 16)]))
			}
		}
		w := httptest.NewRecorder()
		fx.srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", req.Method, req.URL, w.Code, w.Body)
		}
		if w.Code == 200 && strings.HasPrefix(req.URL.Path, "/v1/") && req.Method == "POST" {
			var v struct {
				Data struct{ ID string } `json:"data"`
			}
			if json.Unmarshal(w.Body.Bytes(), &v) == nil && v.Data.ID != "" {
				fx.mu.Lock()
				if len(fx.ids) < 64 {
					fx.ids = append(fx.ids, v.Data.ID)
				}
				fx.mu.Unlock()
			}
		}
	})
}
