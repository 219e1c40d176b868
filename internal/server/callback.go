package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// Callback headers. The signature is
//
//	hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// prefixed with "sha256=", where timestamp is the value of
// [TimestampHeader] (Unix seconds). Receivers should recompute it with
// [VerifySignature] and reject stale timestamps.
//
// While a secret is being rotated ([NotifierConfig.PreviousSecrets]) the
// header carries one signature per secret, separated by ", ", the current
// secret's first; a receiver accepts the callback when any of them matches
// its secret, so receivers can move to the new secret at their own pace.
const (
	SignatureHeader = "X-Nlcron-Signature"
	TimestampHeader = "X-Nlcron-Timestamp"
)

// CallbackPayload is the JSON body of a callback.
type CallbackPayload struct {
	RunID            string           `json:"run_id"`
	Status           engine.RunStatus `json:"status"`
	LastAgentMessage *string          `json:"last_agent_message"`
}

// ErrForbiddenAddress reports a callback address that resolves to a
// loopback, private, link-local or otherwise internal IP.
var ErrForbiddenAddress = errors.New("callback address is loopback, private or link-local")

// Sign returns the signature header value for body sent at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks the signature and timestamp headers of a callback
// received at now: the signature must match and the timestamp must be within
// tolerance of now.
func VerifySignature(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("server: bad callback timestamp %q: %w", timestamp, err)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("server: callback timestamp %s is more than %s from now", ts.UTC().Format(time.RFC3339), tolerance)
	}
	want := []byte(Sign(secret, ts, body))
	for sig := range strings.SplitSeq(signature, ",") {
		if hmac.Equal(want, []byte(strings.TrimSpace(sig))) {
			return nil
		}
	}
	return errors.New("server: callback signature does not match")
}

// signatures is the signature header value for body sent at ts: one
// signature per secret, the current one first.
func signatures(current []byte, previous [][]byte, ts time.Time, body []byte) string {
	sig := Sign(current, ts, body)
	for _, p := range previous {
		sig += ", " + Sign(p, ts, body)
	}
	return sig
}

// forbiddenPrefixes are ranges no callback may reach besides the ones that
// netip classifies (loopback, private, link-local, multicast, unspecified).
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed any IPv4 address, so refused
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

// forbiddenIP reports whether a callback must not connect to ip.
func forbiddenIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// checkCallbackURL validates a callback URL when a schedule or run is
// created: an absolute http(s) URL with a host, and, unless allowPrivate, not
// a literal internal address or a localhost name. Names are checked again,
// resolved, when the callback is sent.
func checkCallbackURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return errors.New("callback_url must be an absolute http or https URL")
	}
	if u.User != nil {
		return errors.New("callback_url must not contain credentials")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("callback_url must not point to a loopback, private or link-local address")
	}
	if ip, err := netip.ParseAddr(host); err == nil && forbiddenIP(ip) {
		return errors.New("callback_url must not point to a loopback, private or link-local address")
	}
	return nil
}

// NewCallbackClient returns the HTTP client callbacks are sent with: a 10 s
// timeout, no proxy, no redirects followed, and, unless allowPrivate, a
// dialer that refuses internal addresses after DNS resolution (so a name
// that resolves, or later re-resolves, to 127.0.0.1 is refused too).
func NewCallbackClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			if forbiddenIP(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			MaxIdleConns:          16,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// NotifierConfig configures a [Notifier].
type NotifierConfig struct {
	Secret []byte // HMAC key; required
	// PreviousSecrets, during a rotation, are keys that callbacks are
	// also signed with, until every receiver has the new Secret.
	PreviousSecrets [][]byte
	Client          *http.Client // default NewCallbackClient(false)
	Now             func() time.Time
	Logger          *slog.Logger
	// MaxAttempts is how many times one callback is tried (default 5).
	MaxAttempts int
	// Backoff is the wait before retry n (1-based); default
	// [DefaultBackoff].
	Backoff func(n int) time.Duration
	// MaxInFlight bounds concurrent deliveries (default 32); further
	// callbacks wait for a slot.
	MaxInFlight int
}

// DefaultBackoff waits 1 s before the first retry and doubles each time up
// to 1 minute, with up to 20% random jitter added.
func DefaultBackoff(n int) time.Duration {
	d := time.Second << min(max(n-1, 0), 6)
	d = min(d, time.Minute)
	return d + time.Duration(rand.Int64N(int64(d/5)+1))
}

// Notifier delivers run callbacks in the background. Its RunFinished method
// is meant for [engine.Config.OnRunFinished].
type Notifier struct {
	cfg    NotifierConfig
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}
	wg     sync.WaitGroup
}

// NewNotifier returns a Notifier; call Close to wait for pending callbacks.
func NewNotifier(cfg NotifierConfig) *Notifier {
	if cfg.Client == nil {
		cfg.Client = NewCallbackClient(false)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 32
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Notifier{cfg: cfg, ctx: ctx, cancel: cancel, slots: make(chan struct{}, cfg.MaxInFlight)}
}

// RunFinished sends r's callback in the background if it has a callback URL.
func (n *Notifier) RunFinished(_ context.Context, r *engine.Run) {
	if r == nil || r.CallbackURL == "" || r.Status.Active() {
		return
	}
	p := CallbackPayload{RunID: r.ID, Status: r.Status}
	if r.LastAgentMessage != "" {
		msg := r.LastAgentMessage
		p.LastAgentMessage = &msg
	}
	target := r.CallbackURL
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		select {
		case n.slots <- struct{}{}:
		case <-n.ctx.Done():
			return
		}
		defer func() { <-n.slots }()
		if err := n.Send(n.ctx, target, p); err != nil {
			n.cfg.Logger.LogAttrs(n.ctx, slog.LevelWarn, "callback failed",
				slog.String("run_id", p.RunID), slog.String("host", hostOf(target)), slog.Any("err", err))
		}
	}()
}

// Close waits for pending callbacks until ctx is done, then abandons them.
func (n *Notifier) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	defer n.cfg.Client.CloseIdleConnections()
	select {
	case <-done:
		n.cancel()
		return nil
	case <-ctx.Done():
		n.cancel()
		<-done
		return ctx.Err()
	}
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Send delivers one callback, retrying with backoff on network errors, 429
// and 5xx answers. Other 4xx answers and refused addresses are not retried.
func (n *Notifier) Send(ctx context.Context, target string, p CallbackPayload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("server: encode callback: %w", err)
	}
	var last error
	for attempt := 1; attempt <= n.cfg.MaxAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(n.cfg.Backoff(attempt - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("server: callback to %s abandoned after %d attempts: %w", hostOf(target), attempt-1, errors.Join(last, ctx.Err()))
			case <-t.C:
			}
		}
		last = n.post(ctx, target, body)
		if last == nil {
			return nil
		}
		var perm permanentError
		if errors.As(last, &perm) || errors.Is(last, ErrForbiddenAddress) {
			break
		}
	}
	return fmt.Errorf("server: callback to %s failed: %w", hostOf(target), last)
}

func (n *Notifier) post(ctx context.Context, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	now := n.cfg.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "nlcron-callback/1")
	req.Header.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(SignatureHeader, signatures(n.cfg.Secret, n.cfg.PreviousSecrets, now, body))
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("receiver answered %s", resp.Status)
	default:
		return permanentError{fmt.Errorf("receiver answered %s", resp.Status)}
	}
}

// hostOf returns the host of a URL for logs: never its path or query, which
// may carry secrets.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
