package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/internal/server"
)

func TestEchoRunner(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC) }
	run := &engine.Run{
		ID: "r1", ChatID: chat1, ScheduleID: "s1", Bundle: "default", ToolhouseID: "u7",
		Vars: map[string]string{"city": "Oslo", "a": "b"}, ScheduledFor: time.Date(2025, 3, 9, 11, 59, 0, 0, time.UTC),
	}
	res, err := server.EchoRunner(now).Run(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	want := `Echo agent ran chat ` + chat1 + ` for toolhouse_id "u7" with bundle "default" at 2025-03-09T12:00:00Z (schedule s1, fire time 2025-03-09T11:59:00Z); vars: a="b", city="Oslo".`
	if diff := cmp.Diff(engine.Result{Messages: []engine.Message{{Role: "assistant", Content: want}}, LastAgentMessage: want}, res); diff != "" {
		t.Errorf("echo mismatch (-want +got):\n%s", diff)
	}
	run.Results = append(res.Messages, engine.Message{Role: "user", Content: "and Bergen?"})
	res, _ = server.EchoRunner(now).Run(context.Background(), run)
	if !strings.HasSuffix(res.LastAgentMessage, `You said: "and Bergen?"`) {
		t.Errorf("echo of a message: %q", res.LastAgentMessage)
	}
}

func TestWebhookRunner(t *testing.T) {
	t.Parallel()
	var gotBody map[string]any
	var gotKey string
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &gotBody)
		gotKey = r.Header.Get("Idempotency-Key")
		switch gotBody["chat_id"] {
		case "fail":
			http.Error(w, "boom", http.StatusBadGateway)
		case "junk":
			_, _ = w.Write([]byte("<html>"))
		case "no-last":
			_, _ = w.Write([]byte(`{"messages":[{"role":"assistant","content":"one"},{"role":"tool","content":"x"}]}`))
		default:
			_, _ = w.Write([]byte(`{"messages":[{"role":"assistant","content":"hello"}],"last_agent_message":"hello!"}`))
		}
	}))
	defer agent.Close()
	wr := &server.WebhookRunner{URL: agent.URL}
	at := time.Date(2025, 3, 9, 17, 0, 0, 0, time.UTC)
	res, err := wr.Run(context.Background(), &engine.Run{ID: "r1", ChatID: chat1, ScheduleID: "s1", ScheduledFor: at, Attempt: 1, Vars: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(engine.Result{Messages: []engine.Message{{Role: "assistant", Content: "hello"}}, LastAgentMessage: "hello!"}, res); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
	if gotKey != "s1@2025-03-09T17:00:00Z" {
		t.Errorf("Idempotency-Key %q", gotKey)
	}
	wantBody := map[string]any{"run_id": "r1", "chat_id": chat1, "schedule_id": "s1", "bundle": "", "toolhouse_id": "",
		"vars": map[string]any{"k": "v"}, "scheduled_for": "2025-03-09T17:00:00Z", "attempt": float64(1), "messages": []any{}}
	if diff := cmp.Diff(wantBody, gotBody); diff != "" {
		t.Errorf("request body mismatch (-want +got):\n%s", diff)
	}
	res, err = wr.Run(context.Background(), &engine.Run{ID: "r2", ChatID: "no-last"})
	if err != nil || res.LastAgentMessage != "one" {
		t.Errorf("no last_agent_message: %+v, %v; want the last assistant message", res, err)
	}
	for _, chat := range []string{"fail", "junk"} {
		if _, err := wr.Run(context.Background(), &engine.Run{ID: "r3", ChatID: chat}); err == nil {
			t.Errorf("chat %s: no error", chat)
		}
	}
}
