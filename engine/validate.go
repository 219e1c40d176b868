package engine

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Input limits.
const (
	MaxBundleLen      = 128       // characters in a bundle name
	MaxToolhouseIDLen = 256       // characters in a toolhouse_id
	MaxCallbackURLLen = 2048      // bytes in a callback_url
	MaxVarKeyLen      = 128       // characters in a vars key
	MaxVarsBytes      = 64 << 10  // total bytes of vars keys and values
	MaxMessageBytes   = 256 << 10 // bytes in a message added to a run
)

// DefaultBundle and DefaultToolhouseID are used when the input leaves them
// empty.
const (
	DefaultBundle      = "default"
	DefaultToolhouseID = "default"
)

func checkAccount(accountID string) error {
	if accountID == "" {
		return fmt.Errorf("engine: account id is required: %w", ErrInvalid)
	}
	return nil
}

// normChatID validates a chat_id: required, a UUID; returned lower-cased.
func normChatID(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &ValidationError{Field: "chat_id", Msg: "is required"}
	case !isUUID(s):
		return "", &ValidationError{Field: "chat_id", Msg: fmt.Sprintf("%q is not a UUID", s)}
	}
	return strings.ToLower(s), nil
}

// normBundle validates a bundle: case-insensitive (stored lower-cased), at
// most MaxBundleLen characters, "" meaning DefaultBundle.
func normBundle(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return DefaultBundle, nil
	case utf8.RuneCountInString(s) > MaxBundleLen:
		return "", &ValidationError{Field: "bundle", Msg: fmt.Sprintf("is longer than %d characters", MaxBundleLen)}
	case !printable(s):
		return "", &ValidationError{Field: "bundle", Msg: "contains control characters or invalid UTF-8"}
	}
	return s, nil
}

// normToolhouseID validates a toolhouse_id, "" meaning DefaultToolhouseID.
func normToolhouseID(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return DefaultToolhouseID, nil
	case utf8.RuneCountInString(s) > MaxToolhouseIDLen:
		return "", &ValidationError{Field: "toolhouse_id", Msg: fmt.Sprintf("is longer than %d characters", MaxToolhouseIDLen)}
	case !printable(s):
		return "", &ValidationError{Field: "toolhouse_id", Msg: "contains control characters or invalid UTF-8"}
	}
	return s, nil
}

// normCallbackURL validates a callback_url: "" (none) or an absolute http
// or https URL. Whether its host may be reached (private addresses) is the
// caller's policy, decided when the callback is delivered.
func normCallbackURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxCallbackURLLen {
		return "", &ValidationError{Field: "callback_url", Msg: fmt.Sprintf("is longer than %d bytes", MaxCallbackURLLen)}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", &ValidationError{Field: "callback_url", Msg: "is not a valid URL", Err: err}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", &ValidationError{Field: "callback_url", Msg: "must be an http or https URL"}
	}
	if u.Hostname() == "" {
		return "", &ValidationError{Field: "callback_url", Msg: "has no host"}
	}
	return s, nil
}

// checkVars validates vars: keys non-empty and at most MaxVarKeyLen
// characters, everything at most MaxVarsBytes. It returns a copy.
func checkVars(m map[string]string) (map[string]string, error) {
	size := 0
	for k, v := range m {
		switch {
		case strings.TrimSpace(k) == "":
			return nil, &ValidationError{Field: "vars", Msg: "has an empty key"}
		case utf8.RuneCountInString(k) > MaxVarKeyLen:
			return nil, &ValidationError{Field: "vars", Msg: fmt.Sprintf("key %.32q... is longer than %d characters", k, MaxVarKeyLen)}
		case !utf8.ValidString(k) || !utf8.ValidString(v):
			return nil, &ValidationError{Field: "vars", Msg: fmt.Sprintf("entry %.32q is not valid UTF-8", k)}
		}
		size += len(k) + len(v)
	}
	if size > MaxVarsBytes {
		return nil, &ValidationError{Field: "vars", Msg: fmt.Sprintf("total more than %d bytes", MaxVarsBytes)}
	}
	return cloneVars(m), nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// target is what a schedule and an agent run both say about the run to
// make: the agent, its tool bundle, the end user, the callback and vars.
type target struct {
	chatID, bundle, toolhouseID, callbackURL string
	vars                                     map[string]string
}

// normTarget validates and normalises the fields of a [target], in the
// order the API reports them.
func normTarget(chatID, bundle, toolhouseID, callbackURL string, vars map[string]string) (target, error) {
	var (
		t   target
		err error
	)
	if t.chatID, err = normChatID(chatID); err != nil {
		return target{}, err
	}
	if t.bundle, err = normBundle(bundle); err != nil {
		return target{}, err
	}
	if t.toolhouseID, err = normToolhouseID(toolhouseID); err != nil {
		return target{}, err
	}
	if t.callbackURL, err = normCallbackURL(callbackURL); err != nil {
		return target{}, err
	}
	if t.vars, err = checkVars(vars); err != nil {
		return target{}, err
	}
	return t, nil
}
