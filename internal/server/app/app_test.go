package app_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/internal/server/app"
)

func TestParseFlags(t *testing.T) {
	// Not parallel: it sets an environment variable.
	defaults := app.Options{
		Addr: "127.0.0.1:8080", DB: "nlcron.db", MinCadence: 10 * time.Minute, CadencePolicy: engine.CadenceClamp,
		RateLimit: 50, RateBurst: 100, AuthFailures: 20, LogLevel: slog.LevelInfo,
	}
	for _, tc := range []struct {
		name string
		args []string
		want func(o *app.Options)
	}{
		{"defaults", nil, func(*app.Options) {}},
		{"everything", []string{
			"-addr", "127.0.0.1:0", "-postgres", "postgres://x@localhost/db", "-api-key", "k1", "-api-key", "k2",
			"-min-cadence", "1m", "-cadence-policy", "REJECT", "-agent-url", "http://127.0.0.1:9000/agent",
			"-allow-private-callbacks", "-callback-secret", "s", "-rate-limit", "0", "-rate-burst", "5", "-log-level", "debug",
			"-retention", "720h", "-auth-failures", "0", "-previous-callback-secret", "old",
		}, func(o *app.Options) {
			*o = app.Options{
				Addr: "127.0.0.1:0", DB: "nlcron.db", Postgres: "postgres://x@localhost/db", APIKeys: []string{"k1", "k2"},
				MinCadence: time.Minute, CadencePolicy: engine.CadenceReject, AgentURL: "http://127.0.0.1:9000/agent",
				AllowPrivateCallbacks: true, CallbackSecret: "s", RateLimit: 0, RateBurst: 5, LogLevel: slog.LevelDebug,
				Retention: 720 * time.Hour, AuthFailures: 0, PreviousCallbackSecret: "old",
			}
		}},
		{"retention in days", []string{"-retention", "30d"}, func(o *app.Options) { o.Retention = 30 * 24 * time.Hour }},
		{"retention 0 keeps everything", []string{"-retention", "0"}, func(o *app.Options) {}},
		{"retention 0d", []string{"-retention", "0d"}, func(o *app.Options) {}},
		{"retention as a Go duration", []string{"-retention", "36h30m"}, func(o *app.Options) { o.Retention = 36*time.Hour + 30*time.Minute }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NLCRON_CALLBACK_SECRET", "")
			t.Setenv("NLCRON_PREVIOUS_CALLBACK_SECRET", "")
			got, err := app.ParseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			tc.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseFlags(%q) mismatch (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestParseFlagsRetentionErrors(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"-1h", "-2d", "30", "1.5d", "d", "30days", "9999999999d"} {
		if _, err := app.ParseFlags([]string{"-retention", v}, io.Discard); err == nil {
			t.Errorf("ParseFlags(-retention %q) succeeded, want an error", v)
		} else if !strings.Contains(err.Error(), "-retention") {
			t.Errorf("ParseFlags(-retention %q): %v, want an error naming the flag", v, err)
		}
	}
}
