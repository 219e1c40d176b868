package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	requests, errors int
	elapsed          time.Duration
	p50, p99, max    time.Duration
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests in %.1fs = %.0f req/s, p50 %v, p99 %v, max %v, %d errors",
		r.requests, r.elapsed.Seconds(), r.rate(), r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.max.Round(10*time.Microsecond), r.errors)
}

// load sends requests from workers concurrent clients for d; newReq builds
// request i. Any answer but 200 counts as an error.
func load(t *testing.T, workers int, d time.Duration, newReq func(i int) *http.Request) loadResult {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var (
		next    atomic.Int64
		errs    atomic.Int64
		mu      sync.Mutex
		lat     []time.Duration
		wg      sync.WaitGroup
		firstEr atomic.Value
	)
	start := time.Now()
	stop := start.Add(d)
	for range workers {
		wg.Go(func() {
			mine := make([]time.Duration, 0, 4096)
			for time.Now().Before(stop) {
				req := newReq(int(next.Add(1)))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
					}
				}
				mine = append(mine, time.Since(t0))
				if err != nil {
					errs.Add(1)
					firstEr.CompareAndSwap(nil, err.Error())
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	if e := firstEr.Load(); e != nil {
		t.Logf("first error: %s", e)
	}
	return loadResult{requests: len(lat), errors: int(errs.Load()), elapsed: elapsed, p50: q(.50), p99: q(.99), max: lat[len(lat)-1]}
}

// TestLoad measures the demo binary on loopback: text-to-cron must reach
// 5,000 req/s with p99 <= 20 ms, and POST /v1/schedules 1,000 req/s on
// SQLite, both with zero errors. It runs only with NLCRON_LOAD=1 (it takes
// the whole machine for ~20 s); NLCRON_LOAD_SECONDS sets each phase's length
// (default 5) and NLCRON_LOAD_WORKERS the number of concurrent clients
// (default 16).
//
//	NLCRON_LOAD=1 go test ./cmd/demo -run TestLoad -v
func TestLoad(t *testing.T) {
	if os.Getenv("NLCRON_LOAD") != "1" {
		t.Skip("set NLCRON_LOAD=1 to run the load test")
	}
	secs := 5
	if s, err := strconv.Atoi(os.Getenv("NLCRON_LOAD_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	workers := 16
	if w, err := strconv.Atoi(os.Getenv("NLCRON_LOAD_WORKERS")); err == nil && w > 0 {
		workers = w
	}
	d := startDemo(t, filepath.Join(t.TempDir(), "load.db"), "-rate-limit", "0", "-log-level", "warn")
	defer d.stop(t)
	auth := "Bearer " + d.key

	phrases := []string{"sundays+5pm+UTC", "every+weekday+at+9am", "0+17+*+*+0", "every+15+minutes", "first+monday+of+the+month+at+noon", "at+9:30+on+weekends"}
	warm := func(i int) *http.Request {
		req, _ := http.NewRequest("GET", d.url+"/v1/schedules/text-to-cron?cron="+phrases[i%len(phrases)], nil)
		req.Header.Set("Authorization", auth)
		return req
	}
	load(t, 8, time.Second, warm)
	cron := load(t, workers, time.Duration(secs)*time.Second, warm)
	t.Logf("GET /v1/schedules/text-to-cron: %s", cron)

	const chat = "7b1c5a2e-8d3f-4a6b-9c0e-1f2a3b4c5d6e"
	cadences := []string{"0 17 * * 0", "every weekday at 9am", "*/30 * * * *", "sundays at 5pm America/New_York"}
	create := load(t, workers, time.Duration(secs)*time.Second, func(i int) *http.Request {
		body := `{"chat_id":"` + chat + `","cadence":"` + cadences[i%len(cadences)] + `","toolhouse_id":"user-` + strconv.Itoa(i) + `"}`
		req, _ := http.NewRequest("POST", d.url+"/v1/schedules", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		return req
	})
	t.Logf("POST /v1/schedules (SQLite): %s", create)

	if cron.errors > 0 || cron.rate() < 5000 || cron.p99 > 20*time.Millisecond {
		t.Errorf("text-to-cron: %s; want >= 5000 req/s, p99 <= 20ms, no errors", cron)
	}
	if create.errors > 0 || create.rate() < 1000 {
		t.Errorf("create schedule: %s; want >= 1000 req/s, no errors", create)
	}
}
