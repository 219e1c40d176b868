package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlcron/nlcron/engine"
)

// TestOpenAPIMatchesRoutes checks that every routed method and path is in
// openapi.json and that the document lists nothing else.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, item := range doc.Paths {
		for m := range item {
			if m == "parameters" || m == "summary" || m == "description" {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" "+path)
		}
	}
	var routed []string
	for _, rt := range (&Server{}).routes() {
		routed = append(routed, rt.method+" "+strings.TrimSuffix(rt.path, "{$}"))
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if diff := cmp.Diff(routed, documented); diff != "" {
		t.Errorf("routes and openapi.json disagree (-routed +documented):\n%s", diff)
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := newLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond || retryAfter(wait) != 1 {
		t.Errorf("over the burst: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Error("refused after the wait it announced")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("allowed twice after half a second at 2/s")
	}
	now = now.Add(time.Hour)
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("refused request %d after a long pause: the burst must refill", i+1)
		}
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("the bucket grew beyond its burst")
	}
	var off *limiter = newLimiter(0, 0, time.Now)
	for range 1000 {
		if ok, _ := off.allow("x"); !ok {
			t.Fatal("a zero rate must disable the limit")
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 30 * time.Second: 30} {
		if got := retryAfter(d); got != want {
			t.Errorf("retryAfter(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       string // JSON of the 422 detail, or "" for success
	}{
		{"ok", `{"a":"x"}`, ""},
		{"null fields", `{"a":null}`, ""},
		{"empty", ``, `[{"loc":["body"],"msg":"Field required","type":"missing"}]`},
		{"spaces", "  \n", `[{"loc":["body"],"msg":"Field required","type":"missing"}]`},
		{"null", `null`, `[{"loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","type":"model_attributes_type"}]`},
		{"string", `"x"`, `[{"loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","type":"model_attributes_type"}]`},
		{"trailing", `{"a":"x"} {}`, `[{"loc":["body",10],"msg":"JSON decode error: invalid character '{' after top-level value","type":"json_invalid"}]`},
		{"extra", `{"b":1,"a":"x","c":2}`, `[{"loc":["body","b"],"msg":"Extra inputs are not permitted","type":"extra_forbidden"},{"loc":["body","c"],"msg":"Extra inputs are not permitted","type":"extra_forbidden"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			b, err := readBody(r, "a")
			if err == nil {
				err = b.err()
			}
			got := ""
			if err != nil {
				var ve validationError
				if !errors.As(err, &ve) {
					t.Fatalf("error %v is not a validation error", err)
				}
				j, _ := json.Marshal(ve)
				got = string(j)
			}
			if got != tc.want {
				t.Errorf("readBody(%q):\n got %s\nwant %s", tc.body, got, tc.want)
			}
		})
	}
}

func TestForbiddenIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip        string
		forbidden bool
	}{
		{"127.0.0.1", true}, {"127.9.9.9", true}, {"::1", true}, {"10.0.0.1", true}, {"172.31.255.255", true},
		{"192.168.1.1", true}, {"169.254.169.254", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12::1", true},
		{"0.0.0.0", true}, {"::", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"100.64.0.1", true},
		{"224.0.0.1", true}, {"255.255.255.255", true}, {"64:ff9b::7f00:1", true},
		{"93.184.215.14", false}, {"8.8.8.8", false}, {"2606:4700::1111", false}, {"172.32.0.1", false},
	} {
		if got := forbiddenIP(netip.MustParseAddr(tc.ip)); got != tc.forbidden {
			t.Errorf("forbiddenIP(%s) = %v, want %v", tc.ip, got, tc.forbidden)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := NewKeys(nil)
	a, err := k.Add(ctx, "key-a")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := k.Add(ctx, "key-a"); again != a {
		t.Errorf("adding a key twice gave accounts %s and %s", a, again)
	}
	key, b, err := k.Generate(ctx)
	if err != nil || !strings.HasPrefix(key, keyPrefix) || len(key) != len(keyPrefix)+43 || b == a {
		t.Errorf("Generate = %q, %q, %v", key, b, err)
	}
	if n, _ := k.Count(ctx); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	if got, err := k.Account(ctx, key); err != nil || got != b {
		t.Errorf("Account(generated) = %q, %v; want %q", got, err, b)
	}
	if _, err := k.Account(ctx, "nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("Account(unknown) error %v, want ErrNotFound", err)
	}
	// Only hashes are stored.
	ms := k.store.(*memKeyStore)
	for h := range ms.keys {
		if h == "key-a" || h == key || len(h) != 64 {
			t.Errorf("stored %q: want a hex SHA-256", h)
		}
	}
	if _, err := k.Add(ctx, ""); err == nil {
		t.Error("an empty key was accepted")
	}
}
