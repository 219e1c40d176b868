package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
	"github.com/nlcron/nlcron/internal/server"
)

func benchServer(b *testing.B) *server.Server {
	b.Helper()
	store := memstore.New()
	keys := server.NewKeys(store)
	if _, err := keys.Add(context.Background(), keyA); err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: store, Runner: server.EchoRunner(nil)})
	if err != nil {
		b.Fatal(err)
	}
	return server.New(server.Config{Engine: eng, Keys: keys, Metrics: server.NewMetrics()})
}

// serveOK serves r as account A and fails b unless the answer is 200.
func serveOK(b *testing.B, srv *server.Server, r *http.Request) {
	b.Helper()
	r.Header.Set("Authorization", "Bearer "+keyA)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	if w.Code != 200 {
		b.Fatalf("%d %s", w.Code, w.Body)
	}
}

// BenchmarkTextToCron measures the handler alone (no network) for a mix of
// phrases and cron expressions.
func BenchmarkTextToCron(b *testing.B) {
	srv := benchServer(b)
	phrases := []string{"sundays+5pm+UTC", "every+weekday+at+9am", "0+17+*+*+0", "every+15+minutes", "at+9:30+on+weekends"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := httptest.NewRequest("GET", "/v1/schedules/text-to-cron?cron="+phrases[i%len(phrases)], nil)
		serveOK(b, srv, r)
		i++
	}
}

// BenchmarkCreateSchedule measures POST /v1/schedules over memstore.
func BenchmarkCreateSchedule(b *testing.B) {
	srv := benchServer(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		body := `{"chat_id":"` + chat1 + `","cadence":"every weekday at 9am","toolhouse_id":"u` + strconv.Itoa(i) + `"}`
		r := httptest.NewRequest("POST", "/v1/schedules", strings.NewReader(body))
		serveOK(b, srv, r)
		i++
	}
}

// BenchmarkTextToCronUncached sends a different phrase every time, so the
// translation cache never answers.
func BenchmarkTextToCronUncached(b *testing.B) {
	srv := benchServer(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := "every+day+at+" + strconv.Itoa(i%24) + ":" + strconv.Itoa(10+i/24%50) + "+" + strings.Repeat("+", i/1200)
		r := httptest.NewRequest("GET", "/v1/schedules/text-to-cron?cron="+q, nil)
		serveOK(b, srv, r)
		i++
	}
}
