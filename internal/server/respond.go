package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/nlcron/nlcron/engine"
)

// envelope is the plain success body: {"data": ...}.
type envelope struct {
	Data any `json:"data"`
}

// detail is the body of every non-validation error: {"detail": "..."}.
type detail struct {
	Detail string `json:"detail"`
}

// fieldError is one entry of a 422 body, in FastAPI's shape.
type fieldError struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// validationError is a 422 answer listing every problem found.
type validationError []fieldError

func (v validationError) Error() string {
	if len(v) == 0 {
		return "validation error"
	}
	return "validation error: " + v[0].Msg
}

// httpError is an error with its own status and detail.
type httpError struct {
	status int
	detail string
	header http.Header
}

func (e *httpError) Error() string { return strconv.Itoa(e.status) + " " + e.detail }

// resource names the kind of thing a route looks up, for 404 details.
type resource int

const (
	resNone resource = iota
	resSchedule
	resRun
)

func (r resource) notFound() string {
	switch r {
	case resSchedule:
		return "Schedule not found"
	case resRun:
		return "Agent run not found"
	}
	return "Not Found"
}

// statusFor is the one table that maps engine errors to HTTP answers. The
// first row whose sentinel matches (errors.Is) wins; detail "" means the
// detail depends on the request (404s name the resource, 422s list fields).
var statusFor = []struct {
	err    error
	status int
	detail string
}{
	{engine.ErrNotFound, http.StatusNotFound, ""},
	{engine.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{engine.ErrForbidden, http.StatusForbidden, "The schedule does not belong to you or belongs to another chat"},
	{engine.ErrRunNotCompleted, http.StatusNotAcceptable, "You can only add messages to completed runs"},
	{engine.ErrConflict, http.StatusConflict, "The resource was changed by another request; retry"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "The request took too long"},
	{context.Canceled, http.StatusServiceUnavailable, "The request was cancelled"},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value we encode is made of plain types; this cannot happen.
		status = http.StatusInternalServerError
		b = []byte(`{"detail":"Internal Server Error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	b = append(b, '\n')
	_, _ = w.Write(b)
}

func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, envelope{Data: data})
}

// writeError answers err. res names what a 404 was looking for.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, res resource, err error) {
	var he *httpError
	if errors.As(err, &he) {
		for k, vs := range he.header {
			w.Header()[k] = vs
		}
		writeJSON(w, he.status, detail{he.detail})
		return
	}
	var pe *phraseError
	if errors.As(err, &pe) {
		writeJSON(w, http.StatusBadRequest, pe)
		return
	}
	var ve validationError
	if errors.As(err, &ve) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": ve})
		return
	}
	var eve *engine.ValidationError
	if errors.As(err, &eve) {
		loc := []any{"body", eve.Field}
		if eve.Field == "" {
			loc = []any{"body"}
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": validationError{{
			Loc: loc, Msg: eve.Msg, Type: "value_error",
		}}})
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeJSON(w, http.StatusRequestEntityTooLarge, detail{"Request body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"})
		return
	}
	for _, row := range statusFor {
		if !errors.Is(err, row.err) {
			continue
		}
		d := row.detail
		if row.status == http.StatusNotFound {
			d = res.notFound()
		}
		if row.status >= 500 {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "request failed", slog.String("route", r.Pattern), slog.Any("err", err))
		}
		writeJSON(w, row.status, detail{d})
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("route", r.Pattern), slog.Any("err", err))
	writeJSON(w, http.StatusInternalServerError, detail{"Internal Server Error"})
}
