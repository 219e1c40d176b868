package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Messages and types of 422 entries, as pydantic v2 (behind FastAPI) spells them.
const (
	msgMissing    = "Field required"
	msgExtra      = "Extra inputs are not permitted"
	msgString     = "Input should be a valid string"
	msgBool       = "Input should be a valid boolean"
	msgDict       = "Input should be a valid dictionary"
	msgObject     = "Input should be a valid dictionary or object to extract fields from"
	msgJSON       = "JSON decode error"
	msgInt        = "Input should be a valid integer, unable to parse string as an integer"
	msgDatetime   = "Input should be a valid datetime (RFC 3339)"
	typeMissing   = "missing"
	typeExtra     = "extra_forbidden"
	typeString    = "string_type"
	typeBool      = "bool_type"
	typeDict      = "dict_type"
	typeObject    = "model_attributes_type"
	typeJSON      = "json_invalid"
	typeInt       = "int_parsing"
	typeDatetime  = "datetime_parsing"
	typeValue     = "value_error"
	typeEnum      = "enum"
	typeTooLarge  = "less_than_equal"
	typeTooSmall  = "greater_than_equal"
	typeStringLen = "string_too_long"
)

// body is a decoded JSON object whose fields are read one by one, collecting
// every problem so that one 422 names them all.
type body struct {
	raw  map[string]json.RawMessage
	errs validationError
}

// readBody reads and decodes the request body as a JSON object whose keys
// must all be in allowed. It returns a *http.MaxBytesError for a body over
// the limit and a validationError for anything else wrong.
func readBody(r *http.Request, allowed ...string) (*body, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, mbe
		}
		return nil, &httpError{status: http.StatusBadRequest, detail: "Could not read the request body"}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, validationError{{Loc: []any{"body"}, Msg: msgMissing, Type: typeMissing}}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read, the bad one included; loc
			// gives the position of the bad byte, as FastAPI does.
			return nil, validationError{{Loc: []any{"body", max(se.Offset-1, 0)}, Msg: msgJSON + ": " + se.Error(), Type: typeJSON}}
		}
		return nil, validationError{{Loc: []any{"body"}, Msg: msgObject, Type: typeObject}}
	}
	if raw == nil { // the body was JSON null
		return nil, validationError{{Loc: []any{"body"}, Msg: msgObject, Type: typeObject}}
	}
	b := &body{raw: raw}
	var extra []string
	for k := range raw {
		if !slices.Contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		b.errs = append(b.errs, fieldError{Loc: []any{"body", k}, Msg: msgExtra, Type: typeExtra})
	}
	return b, nil
}

func (b *body) fail(name, msg, typ string) {
	b.errs = append(b.errs, fieldError{Loc: []any{"body", name}, Msg: msg, Type: typ})
}

// err returns the collected problems, or nil.
func (b *body) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	return b.errs
}

func isNull(m json.RawMessage) bool { return string(m) == "null" }

// str reads a string field. It returns nil when the field is absent or null;
// a required field that is absent or null is reported.
func (b *body) str(name string, required bool) *string {
	m, ok := b.raw[name]
	if !ok || isNull(m) {
		if required {
			b.fail(name, msgMissing, typeMissing)
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(m, &s); err != nil {
		b.fail(name, msgString, typeString)
		return nil
	}
	return &s
}

// boolean reads a boolean field; nil when absent or null.
func (b *body) boolean(name string) *bool {
	m, ok := b.raw[name]
	if !ok || isNull(m) {
		return nil
	}
	var v bool
	if err := json.Unmarshal(m, &v); err != nil {
		b.fail(name, msgBool, typeBool)
		return nil
	}
	return &v
}

// strMap reads a string-to-string object. present reports whether the field
// was in the body at all; a null value is present with a nil map.
func (b *body) strMap(name string) (m map[string]string, present bool) {
	rm, ok := b.raw[name]
	if !ok {
		return nil, false
	}
	if isNull(rm) {
		return nil, true
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(rm, &obj); err != nil || obj == nil {
		b.fail(name, msgDict, typeDict)
		return nil, true
	}
	m = make(map[string]string, len(obj))
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var s string
		if err := json.Unmarshal(obj[k], &s); err != nil {
			b.errs = append(b.errs, fieldError{Loc: []any{"body", name, k}, Msg: msgString, Type: typeString})
			continue
		}
		m[k] = s
	}
	return m, true
}

// query reads and checks query parameters, collecting problems.
type query struct {
	v    url.Values
	errs validationError
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) fail(name, msg, typ string) {
	q.errs = append(q.errs, fieldError{Loc: []any{"query", name}, Msg: msg, Type: typ})
}

func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return q.errs
}

// get returns the parameter and whether it was given.
func (q *query) get(name string) (string, bool) {
	vs, ok := q.v[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// intIn reads an integer in [lo, hi], or def when absent.
func (q *query) intIn(name string, def, lo, hi int) int {
	s, ok := q.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.fail(name, msgInt, typeInt)
		return def
	}
	if n < lo {
		q.fail(name, "Input should be greater than or equal to "+strconv.Itoa(lo), typeTooSmall)
		return def
	}
	if n > hi {
		q.fail(name, "Input should be less than or equal to "+strconv.Itoa(hi), typeTooLarge)
		return def
	}
	return n
}

// time reads an RFC 3339 instant, or def when absent.
func (q *query) time(name string, def time.Time) time.Time {
	s, ok := q.get(name)
	if !ok {
		return def
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		q.fail(name, msgDatetime, typeDatetime)
		return def
	}
	return t.UTC()
}
