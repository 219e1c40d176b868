package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findBrowser returns a Chromium or Chrome binary, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium, or skips the test when there is
// none (fails instead when NLCRON_REQUIRE_BROWSER=1, as CI sets).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if os.Getenv("NLCRON_REQUIRE_BROWSER") == "1" {
			t.Fatal("NLCRON_REQUIRE_BROWSER=1 but no chromium binary was found (apt-get install -y chromium)")
		}
		t.Skip("no chromium binary found; install chromium to run the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return tctx
}

// TestBrowser drives the playground page in headless Chromium against the
// real server: type a phrase and read the cron, see a wrong word marked,
// enter the key, create a schedule from the phrase with the keyboard, pause
// it and see it paused. Set NLCRON_SCREENSHOT=file.png to keep a picture.
func TestBrowser(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	d := startDemo(t, filepath.Join(t.TempDir(), "demo.db"))
	defer d.stop(t)

	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\nserver output:\n%s", what, err, d.out)
		}
	}
	wait := func(expr string) chromedp.Action[chromedp.Void] {
		p := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))
		return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := p(ctx, t)
			return chromedp.Void{}, err
		}
	}

	clear := func(id string) chromedp.Action[chromedp.Void] {
		e := chromedp.Evaluate[bool](`(document.getElementById("` + id + `").value = "", true)`)
		return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := e(ctx, t)
			return chromedp.Void{}, err
		}
	}

	step("open the page",
		chromedp.Navigate(d.url+"/"),
		chromedp.WaitVisible(chromedp.ID("phrase")),
	)
	// A phrase with a wrong word: the word is marked.
	step("type a wrong phrase",
		chromedp.SendKeys(chromedp.ID("phrase"), "every blursday at 9am"),
		chromedp.WaitVisible(chromedp.CSS("#err-phrase mark.bad")),
	)
	if marked, msg := text("#err-phrase mark.bad"), text("#err-msg"); marked != "blursday" || !strings.Contains(msg, "blursday") {
		t.Errorf("wrong word marked %q, message %q; want blursday", marked, msg)
	}
	// A good phrase: the cron and its meaning appear as one types.
	step("type a phrase",
		clear("phrase"),
		chromedp.SendKeys(chromedp.ID("phrase"), "every weekday at 9am"),
		wait(`document.getElementById("cron-out").textContent === "0 9 * * 1-5" && !document.getElementById("phrase-ok").hidden`),
	)
	if cron, desc := text("#cron-out"), text("#desc-out"); cron != "0 9 * * 1-5" || desc == "" || desc == "—" {
		t.Errorf("cron %q, description %q", cron, desc)
	}
	step("connect with the key (Enter submits)",
		chromedp.SendKeys(chromedp.ID("api-key"), d.key+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("signed-in")),
	)
	step("create a schedule from the phrase with the keyboard",
		chromedp.Click(chromedp.ID("use-phrase")),
		chromedp.SendKeys(chromedp.ID("create-cadence"), kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#schedules tbody tr[data-id] .status.active")),
	)
	step("pause it: focus the button and press Enter",
		chromedp.Focus(chromedp.CSS("#schedules tbody tr[data-id] button.pause")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#schedules tbody tr[data-id] .status.paused")),
	)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#schedules tbody tr[data-id]").length`))
	if err != nil {
		t.Fatal(err)
	}
	if status := text("#schedules tbody tr[data-id] .status"); rows != 1 || status != "paused" {
		t.Errorf("%d rows, status %q; want 1 paused schedule", rows, status)
	}
	step("open its occurrences",
		chromedp.Click(chromedp.CSS("#schedules tbody tr[data-id] td.cadence button")),
		chromedp.WaitVisible(chromedp.CSS("#occ li")),
	)
	// The server agrees.
	_, v := d.call(t, "GET", "/v1/schedules", d.key, "")
	list, _ := v["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["active"] != false || list[0].(map[string]any)["cron"] != "0 9 * * 1-5" {
		t.Errorf("API after the page: %v", v)
	}

	if path := os.Getenv("NLCRON_SCREENSHOT"); path != "" {
		step("show a zone phrase",
			clear("phrase"),
			chromedp.SendKeys(chromedp.ID("phrase"), "sundays at 5pm America/New_York"),
			wait(`document.getElementById("cron-out").textContent === "0 17 * * 0"`),
		)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
