package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/nlcron/nlcron/engine"
)

// keyPrefix starts every generated API key, so that leaked keys are easy to
// recognise (secret scanners, logs).
const keyPrefix = "nlc_"

// HashKey returns the hash under which an API key is stored: hex SHA-256.
// Keys are 256-bit random strings (or operator-chosen), so a fast hash is
// enough; the server never stores or logs the key itself.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// GenerateKey returns a new random API key.
func GenerateKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Keys authenticates API keys. It keeps only their hashes, in an
// [engine.KeyStore] (the store's own when it has one, else memory), and
// caches the accounts of keys it has seen.
type Keys struct {
	store engine.KeyStore

	mu    sync.RWMutex
	cache map[string]string // hash → account
}

// NewKeys returns a Keys that persists hashes in ks; nil keeps them in memory.
func NewKeys(ks engine.KeyStore) *Keys {
	if ks == nil {
		ks = newMemKeyStore()
	}
	return &Keys{store: ks, cache: make(map[string]string)}
}

// Add registers key as its own account and returns the account id. Adding a
// key that is already known returns its existing account.
func (k *Keys) Add(ctx context.Context, key string) (string, error) {
	if key == "" {
		return "", errors.New("server: empty API key")
	}
	hash := HashKey(key)
	acct, err := k.store.AccountForKey(ctx, hash)
	switch {
	case err == nil:
	case errors.Is(err, engine.ErrNotFound):
		acct = uuid.NewString()
		if err := k.store.PutKey(ctx, hash, acct); err != nil {
			return "", fmt.Errorf("server: store API key: %w", err)
		}
	default:
		return "", fmt.Errorf("server: look up API key: %w", err)
	}
	k.remember(hash, acct)
	return acct, nil
}

// Generate creates, registers and returns a new key and its account.
func (k *Keys) Generate(ctx context.Context) (key, account string, err error) {
	key = GenerateKey()
	account, err = k.Add(ctx, key)
	return key, account, err
}

// Count returns how many keys are stored.
func (k *Keys) Count(ctx context.Context) (int, error) { return k.store.CountKeys(ctx) }

// Account returns the account of key, or an error wrapping
// [engine.ErrNotFound] when the key is unknown.
func (k *Keys) Account(ctx context.Context, key string) (string, error) {
	hash := HashKey(key)
	k.mu.RLock()
	acct, ok := k.cache[hash]
	k.mu.RUnlock()
	if ok {
		return acct, nil
	}
	acct, err := k.store.AccountForKey(ctx, hash)
	if err != nil {
		return "", err
	}
	k.remember(hash, acct)
	return acct, nil
}

func (k *Keys) remember(hash, acct string) {
	k.mu.Lock()
	k.cache[hash] = acct
	k.mu.Unlock()
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// errNotAuthenticated is the 401 answer for a missing or unknown key.
var errNotAuthenticated = &httpError{
	status: http.StatusUnauthorized,
	detail: "Not authenticated",
	header: http.Header{"Www-Authenticate": {"Bearer"}},
}

// memKeyStore is the in-memory [engine.KeyStore] used when the store has none.
type memKeyStore struct {
	mu   sync.Mutex
	keys map[string]string
}

func newMemKeyStore() *memKeyStore { return &memKeyStore{keys: make(map[string]string)} }

func (m *memKeyStore) PutKey(ctx context.Context, hash, accountID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[hash]; !ok {
		m.keys[hash] = accountID
	}
	return nil
}

func (m *memKeyStore) AccountForKey(ctx context.Context, hash string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acct, ok := m.keys[hash]
	if !ok {
		return "", engine.ErrNotFound
	}
	return acct, nil
}

func (m *memKeyStore) CountKeys(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys), nil
}
