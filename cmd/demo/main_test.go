package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nlcron/nlcron/internal/server"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// demoBinary builds cmd/demo once per test process and returns its path.
func demoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nlcron-demo-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "demo")
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		out, err := exec.Command(goBin, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// demo is a running demo binary.
type demo struct {
	url, key, secret string
	cmd              *exec.Cmd
	out              *syncBuffer
	exited           chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	listenRE = regexp.MustCompile(`(?m)^listening on (http://\S+)$`)
	keyRE    = regexp.MustCompile(`(?m)^generated API key \(shown once, stored hashed\): (\S+)$`)
	secretRE = regexp.MustCompile(`(?m)^callback signing secret \([^)]*\): (\S+)$`)
)

// startDemo starts the binary on 127.0.0.1:0 with the given SQLite file
// (none when db is empty: args then name the store) and extra flags, and
// reads the URL (and key and secret, when printed) from its output.
func startDemo(t *testing.T, db string, args ...string) *demo {
	t.Helper()
	if db != "" {
		args = append([]string{"-db", db}, args...)
	}
	args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(demoBinary(t), args...)
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	d := &demo{cmd: cmd, out: &syncBuffer{}, exited: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		pw.Close()
		d.exited <- err
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintln(d.out, sc.Text())
			if strings.HasPrefix(sc.Text(), "listening on ") {
				close(ready)
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case <-ready:
	case err := <-d.exited:
		t.Fatalf("demo exited before listening: %v\n%s", err, d.out)
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not print its URL in 30s:\n%s", d.out)
	}
	out := d.out.String()
	d.url = listenRE.FindStringSubmatch(out)[1]
	if m := keyRE.FindStringSubmatch(out); m != nil {
		d.key = m[1]
	}
	if m := secretRE.FindStringSubmatch(out); m != nil {
		d.secret = m[1]
	}
	return d
}

// stop sends SIGINT and waits for a clean exit.
func (d *demo) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.exited:
		if err != nil {
			t.Errorf("demo exited with %v:\n%s", err, d.out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not stop within 30s of SIGINT:\n%s", d.out)
	}
}

// call sends one API request and decodes the JSON answer.
func (d *demo) call(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	code, _, v := d.callHeader(t, method, path, key, body, nil)
	return code, v
}

// callHeader is call with extra request header fields; it also returns
// the response's header.
func (d *demo) callHeader(t *testing.T, method, path, key, body string, header http.Header) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, d.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header, v
}

// checkIdempotentReplay posts a schedule with an Idempotency-Key to d and
// checks that it is replayed (same id, Idempotent-Replayed: true) when
// replay is set, or created otherwise; it returns the schedule's id.
func (d *demo) checkIdempotentReplay(t *testing.T, key, chat string, replay bool, wantID string) string {
	t.Helper()
	code, h, v := d.callHeader(t, "POST", "/v1/schedules", key, `{"chat_id":"`+chat+`","cadence":"0 8 * * *"}`,
		http.Header{"Idempotency-Key": {"e2e-create-once"}})
	id, _ := field(v, "data", "id").(string)
	replayed := h.Get("Idempotent-Replayed") == "true"
	if code != 200 || replayed != replay || (replay && id != wantID) {
		t.Errorf("POST with Idempotency-Key: %d replayed=%v id=%s, want 200 replayed=%v id=%s", code, replayed, id, replay, wantID)
	}
	return id
}

func field(v map[string]any, path ...string) any {
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// waitRun polls a run until it has the wanted status.
func (d *demo) waitRun(t *testing.T, id, status string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, v := d.call(t, "GET", "/v1/agent-runs/"+id, d.key, "")
		if field(v, "data", "status") == status {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %v after 20s, want %s", id, field(v, "data", "status"), status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEndToEnd builds and starts the real binary, reads its URL and key,
// and replays the requests of the upstream guide, then checks callbacks, a
// graceful shutdown and a restart on the same database.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	d := startDemo(t, db, "-allow-private-callbacks", "-log-level", "debug")
	if d.key == "" || d.secret == "" {
		t.Fatalf("no key or secret printed:\n%s", d.out)
	}

	// Callbacks arrive here, signed.
	type delivery struct {
		body []byte
		ts   string
		sig  string
	}
	deliveries := make(chan delivery, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		deliveries <- delivery{b, r.Header.Get(server.TimestampHeader), r.Header.Get(server.SignatureHeader)}
	}))
	defer hook.Close()

	const chat = "7b1c5a2e-8d3f-4a6b-9c0e-1f2a3b4c5d6e"
	// The guide: translate text to cron.
	code, v := d.call(t, "GET", "/v1/schedules/text-to-cron?cron=sundays+5pm+UTC", d.key, "")
	if code != 200 || v["data"] != "0 17 * * 0" {
		t.Fatalf("text-to-cron: %d %v, want 200 {\"data\": \"0 17 * * 0\"}", code, v)
	}
	// Create a schedule.
	code, v = d.call(t, "POST", "/v1/schedules", d.key, `{"chat_id":"`+chat+`","cadence":"0 17 * * 0"}`)
	if code != 200 || field(v, "data", "cadence") != "0 17 * * 0" || field(v, "data", "active") != true || field(v, "data", "chat_id") != chat {
		t.Fatalf("create schedule: %d %v", code, v)
	}
	id := field(v, "data", "id").(string)
	// Change its cadence.
	code, v = d.call(t, "PUT", "/v1/schedules/"+id, d.key, `{"cadence":"0 */3 * * *"}`)
	if code != 200 || field(v, "data", "cadence") != "0 */3 * * *" || field(v, "data", "cron") != "0 */3 * * *" {
		t.Fatalf("change cadence: %d %v", code, v)
	}
	// Pause it.
	code, v = d.call(t, "PUT", "/v1/schedules/"+id, d.key, `{"active":false}`)
	if code != 200 || field(v, "data", "active") != false || field(v, "data", "cadence") != "0 */3 * * *" {
		t.Fatalf("pause: %d %v", code, v)
	}
	// Delete it.
	if code, v = d.call(t, "DELETE", "/v1/schedules/"+id, d.key, ""); code != 200 || field(v, "data", "id") != id {
		t.Fatalf("delete: %d %v", code, v)
	}
	if code, v = d.call(t, "GET", "/v1/schedules/"+id, d.key, ""); code != 404 || v["detail"] != "Schedule not found" {
		t.Fatalf("get deleted: %d %v", code, v)
	}
	// Run an agent now, with a callback.
	code, v = d.call(t, "POST", "/v1/agent-runs", d.key, `{"chat_id":"`+chat+`","vars":{"city":"Oslo"},"callback_url":"`+hook.URL+`/done"}`)
	if code != 200 || field(v, "data", "status") != "queued" || fmt.Sprint(field(v, "data", "results")) != "[]" {
		t.Fatalf("create agent run: %d %v", code, v)
	}
	run := field(v, "data", "id").(string)
	v = d.waitRun(t, run, "completed")
	if msg, _ := field(v, "data", "last_agent_message").(string); !strings.Contains(msg, chat) || !strings.Contains(msg, `city="Oslo"`) {
		t.Errorf("echo agent answer %q", msg)
	}
	select {
	case dl := <-deliveries:
		if err := server.VerifySignature([]byte(d.secret), dl.ts, dl.sig, dl.body, time.Now(), time.Minute); err != nil {
			t.Errorf("callback signature: %v", err)
		}
		var cb map[string]any
		_ = json.Unmarshal(dl.body, &cb)
		if cb["run_id"] != run || cb["status"] != "completed" || cb["last_agent_message"] != field(v, "data", "last_agent_message") {
			t.Errorf("callback body %s", dl.body)
		}
	case <-time.After(20 * time.Second):
		t.Error("no callback within 20s")
	}
	// Add a message: the run is queued again and completes again.
	code, v = d.call(t, "PUT", "/v1/agent-runs/"+run, d.key, `{"message":"and Bergen?"}`)
	if code != 200 || field(v, "data", "id") != run || field(v, "data", "status") != "queued" {
		t.Fatalf("add message: %d %v", code, v)
	}
	v = d.waitRun(t, run, "completed")
	if msg, _ := field(v, "data", "last_agent_message").(string); !strings.Contains(msg, "and Bergen?") {
		t.Errorf("answer to the message: %q", msg)
	}
	// Without a key.
	if code, v = d.call(t, "GET", "/v1/schedules", "", ""); code != 401 || v["detail"] != "Not authenticated" {
		t.Errorf("no key: %d %v", code, v)
	}
	// Health and metrics.
	if code, v = d.call(t, "GET", "/healthz", "", ""); code != 200 || v["status"] != "ok" {
		t.Errorf("healthz: %d %v", code, v)
	}
	resp, err := http.Get(d.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(metrics, []byte(`nlcron_runs_finished_total{status="completed"} 2`)) {
		t.Errorf("metrics lack the two completed runs:\n%.2000s", metrics)
	}

	// An Idempotency-Key record outlives the process (checked below).
	once := d.checkIdempotentReplay(t, d.key, chat, false, "")

	d.stop(t)
	out := d.out.String()
	if !strings.Contains(out, "msg=stopped") {
		t.Errorf("no clean stop in the output:\n%s", out)
	}
	// The key was printed once, at creation, and never logged again.
	if n := strings.Count(out, d.key); n != 1 {
		t.Errorf("the API key appears %d times in the output, want 1", n)
	}

	// A restart on the same database keeps the key (stored hashed) and
	// prints no new one.
	d2 := startDemo(t, db, "-allow-private-callbacks")
	if d2.key != "" {
		t.Errorf("a second key was generated on restart:\n%s", d2.out)
	}
	if code, v = d2.call(t, "GET", "/v1/agent-runs/"+run, d.key, ""); code != 200 || field(v, "data", "status") != "completed" {
		t.Errorf("after restart: %d %v", code, v)
	}
	// The retry after the restart replays the first answer.
	d2.checkIdempotentReplay(t, d.key, chat, true, once)
	d2.stop(t)
}

// TestFlags starts the binary with -api-key (no key is generated, each key
// is its own account), -cadence-policy reject and -agent-url (the webhook
// runner).
func TestFlags(t *testing.T) {
	t.Parallel()
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var run struct {
			RunID string `json:"run_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&run)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"messages":[{"role":"assistant","content":"webhook agent did %s"}]}`, run.RunID)
	}))
	defer agent.Close()
	d := startDemo(t, filepath.Join(t.TempDir(), "demo.db"), "-api-key", "alpha-key", "-api-key", "beta-key",
		"-cadence-policy", "reject", "-agent-url", agent.URL)
	if d.key != "" {
		t.Errorf("a key was generated although -api-key was given")
	}
	const chat = "7b1c5a2e-8d3f-4a6b-9c0e-1f2a3b4c5d6e"
	code, v := d.call(t, "POST", "/v1/schedules", "alpha-key", `{"chat_id":"`+chat+`","cadence":"every weekday at 9am"}`)
	if code != 200 {
		t.Fatalf("create: %d %v", code, v)
	}
	id := field(v, "data", "id").(string)
	if code, _ := d.call(t, "GET", "/v1/schedules/"+id, "beta-key", ""); code != 404 {
		t.Errorf("beta reads alpha's schedule: %d", code)
	}
	// -cadence-policy reject refuses cadences under 10 minutes.
	code, v = d.call(t, "POST", "/v1/schedules", "alpha-key", `{"chat_id":"`+chat+`","cadence":"every 5 minutes"}`)
	if code != 422 || !strings.Contains(fmt.Sprint(v["detail"]), "cadence") {
		t.Errorf("reject policy: %d %v", code, v)
	}
	// The webhook runner ran the agent.
	code, v = d.call(t, "POST", "/v1/agent-runs", "alpha-key", `{"chat_id":"`+chat+`"}`)
	if code != 200 {
		t.Fatalf("create run: %d %v", code, v)
	}
	run := field(v, "data", "id").(string)
	d.key = "alpha-key"
	v = d.waitRun(t, run, "completed")
	if msg := field(v, "data", "last_agent_message"); msg != "webhook agent did "+run {
		t.Errorf("last_agent_message %q", msg)
	}
	d.stop(t)
	for _, k := range []string{"alpha-key", "beta-key"} {
		if strings.Contains(d.out.String(), k) {
			t.Errorf("the output contains the key %q", k)
		}
	}
}

func TestRunBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-cadence-policy", "sometimes"},
		{"-min-cadence", "-1m"},
		{"-agent-url", "not a url"},
		{"-db", "x.db", "-postgres", "postgres://localhost/x"},
		{"-api-key", ""},
		{"stray"},
		{"-log-level", "loud"},
	} {
		var out bytes.Buffer
		if err := run(t.Context(), args, &out); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
