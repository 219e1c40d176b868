package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// EchoRunner returns the demo's built-in agent. It does no work: it answers
// with a message naming the chat, the end user, the bundle, the vars and the
// time it ran, and, when the run was re-queued with a message, repeats that
// message back. now supplies the time (nil means time.Now).
func EchoRunner(now func() time.Time) engine.Runner {
	if now == nil {
		now = time.Now
	}
	return engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
		if err := ctx.Err(); err != nil {
			return engine.Result{}, err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Echo agent ran chat %s for toolhouse_id %q with bundle %q at %s",
			r.ChatID, r.ToolhouseID, r.Bundle, now().UTC().Format(time.RFC3339))
		if r.ScheduleID != "" {
			fmt.Fprintf(&b, " (schedule %s, fire time %s)", r.ScheduleID, r.ScheduledFor.UTC().Format(time.RFC3339))
		}
		if len(r.Vars) == 0 {
			b.WriteString("; no vars.")
		} else {
			b.WriteString("; vars:")
			for i, k := range slices.Sorted(maps.Keys(r.Vars)) {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, " %s=%q", k, r.Vars[k])
			}
			b.WriteByte('.')
		}
		if n := len(r.Results); n > 0 && r.Results[n-1].Role == "user" {
			fmt.Fprintf(&b, " You said: %q", r.Results[n-1].Content)
		}
		msg := b.String()
		return engine.Result{
			Messages:         []engine.Message{{Role: "assistant", Content: msg}},
			LastAgentMessage: msg,
		}, nil
	})
}

// WebhookRunner runs agents by POSTing each run to an agent service.
//
// The request body is a JSON object with the run's id, chat_id,
// schedule_id, bundle, toolhouse_id, vars, scheduled_for, attempt and
// messages (the transcript so far), and an Idempotency-Key header of
// [engine.Run.IdempotencyKey]. The service answers 2xx with
// {"messages": [{"role": ..., "content": ...}], "last_agent_message": "..."};
// when last_agent_message is absent, the last assistant message is used.
type WebhookRunner struct {
	URL    string
	Client *http.Client // default: a client with a 5 minute timeout
}

type webhookRequest struct {
	RunID        string            `json:"run_id"`
	ChatID       string            `json:"chat_id"`
	ScheduleID   *string           `json:"schedule_id"`
	Bundle       string            `json:"bundle"`
	ToolhouseID  string            `json:"toolhouse_id"`
	Vars         map[string]string `json:"vars"`
	ScheduledFor string            `json:"scheduled_for"`
	Attempt      int               `json:"attempt"`
	Messages     []engine.Message  `json:"messages"`
}

type webhookResponse struct {
	Messages         []engine.Message `json:"messages"`
	LastAgentMessage string           `json:"last_agent_message"`
}

// maxAgentAnswer bounds what is read from the agent service.
const maxAgentAnswer = 4 << 20

// Run implements [engine.Runner].
func (w *WebhookRunner) Run(ctx context.Context, r *engine.Run) (engine.Result, error) {
	req := webhookRequest{
		RunID: r.ID, ChatID: r.ChatID, Bundle: r.Bundle, ToolhouseID: r.ToolhouseID,
		Vars: r.Vars, ScheduledFor: r.ScheduledFor.UTC().Format(time.RFC3339Nano),
		Attempt: r.Attempt, Messages: r.Results,
	}
	if r.ScheduleID != "" {
		req.ScheduleID = &r.ScheduleID
	}
	if req.Messages == nil {
		req.Messages = []engine.Message{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return engine.Result{}, fmt.Errorf("encode run for agent service: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return engine.Result{}, fmt.Errorf("agent service request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Idempotency-Key", r.IdempotencyKey())
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return engine.Result{}, fmt.Errorf("agent service: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAgentAnswer+1))
	if err != nil {
		return engine.Result{}, fmt.Errorf("agent service: read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return engine.Result{}, fmt.Errorf("agent service answered %s", resp.Status)
	}
	if len(data) > maxAgentAnswer {
		return engine.Result{}, fmt.Errorf("agent service answer is larger than %d bytes", maxAgentAnswer)
	}
	var out webhookResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return engine.Result{}, fmt.Errorf("agent service answer is not the expected JSON: %w", err)
	}
	last := out.LastAgentMessage
	if last == "" {
		for i := len(out.Messages) - 1; i >= 0; i-- {
			if out.Messages[i].Role == "assistant" {
				last = out.Messages[i].Content
				break
			}
		}
	}
	return engine.Result{Messages: out.Messages, LastAgentMessage: last}, nil
}
