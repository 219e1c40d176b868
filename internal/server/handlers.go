package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func isNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }

// invalidCursor turns a store's refusal of a malformed cursor (an error
// wrapping engine.ErrInvalid that is not a field error) into a 422 on the
// next_cursor parameter.
func invalidCursor(err error) error {
	var ve *engine.ValidationError
	if errors.Is(err, engine.ErrInvalid) && !errors.As(err, &ve) {
		return validationError{{Loc: []any{"query", "next_cursor"}, Msg: "Invalid cursor", Type: typeValue}}
	}
	return err
}

// callbackField checks a callback URL given in a body; "" (cleared) is fine.
func (s *Server) callbackField(b *body, u *string) {
	if u == nil || *u == "" {
		return
	}
	if err := checkCallbackURL(*u, s.cfg.AllowPrivateCallbacks); err != nil {
		b.fail("callback_url", err.Error(), typeValue)
	}
}

func warningsOrEmpty(w []string) []string {
	if w == nil {
		return []string{}
	}
	return w
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var scheduleFields = []string{"chat_id", "cadence", "bundle", "toolhouse_id", "vars", "callback_url", "timezone"}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request, acct string) error {
	b, err := readBody(r, scheduleFields...)
	if err != nil {
		return err
	}
	in := engine.ScheduleInput{
		ChatID:      deref(b.str("chat_id", true)),
		Cadence:     deref(b.str("cadence", true)),
		Bundle:      deref(b.str("bundle", false)),
		ToolhouseID: deref(b.str("toolhouse_id", false)),
		Timezone:    deref(b.str("timezone", false)),
	}
	cb := b.str("callback_url", false)
	s.callbackField(b, cb)
	in.CallbackURL = deref(cb)
	in.Vars, _ = b.strMap("vars")
	if err := b.err(); err != nil {
		return err
	}
	sc, err := s.cfg.Engine.CreateSchedule(r.Context(), acct, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleEnvelope{Data: scheduleOut(sc), Warnings: warningsOrEmpty(sc.Warnings)})
	return nil
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request, acct string) error {
	q := newQuery(r)
	p := engine.Page{Limit: q.intIn("limit", engine.DefaultPageLimit, 1, engine.MaxPageLimit)}
	p.Cursor, _ = q.get("next_cursor")
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.cfg.Engine.ListSchedules(r.Context(), acct, p)
	if err != nil {
		return invalidCursor(err)
	}
	out := make([]scheduleJSON, len(list))
	for i, sc := range list {
		out[i] = scheduleOut(sc)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: out, NextCursor: strJSON(next)})
	return nil
}

func (s *Server) getSchedule(w http.ResponseWriter, r *http.Request, acct string) error {
	sc, err := s.cfg.Engine.GetSchedule(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, scheduleOut(sc))
	return nil
}

func (s *Server) updateSchedule(w http.ResponseWriter, r *http.Request, acct string) error {
	b, err := readBody(r, append(scheduleFields, "active")...)
	if err != nil {
		return err
	}
	u := engine.ScheduleUpdate{
		ChatID:      b.str("chat_id", false),
		Cadence:     b.str("cadence", false),
		Bundle:      b.str("bundle", false),
		ToolhouseID: b.str("toolhouse_id", false),
		Timezone:    b.str("timezone", false),
		Active:      b.boolean("active"),
	}
	if raw, ok := b.raw["callback_url"]; ok {
		if isNull(raw) {
			u.CallbackURL = new(string) // null clears it
		} else if cb := b.str("callback_url", false); cb != nil {
			s.callbackField(b, cb)
			u.CallbackURL = cb
		}
	}
	if vars, present := b.strMap("vars"); present {
		u.Vars = &vars
	}
	if err := b.err(); err != nil {
		return err
	}
	sc, err := s.cfg.Engine.UpdateSchedule(r.Context(), acct, r.PathValue("id"), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleEnvelope{Data: scheduleOut(sc), Warnings: warningsOrEmpty(sc.Warnings)})
	return nil
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request, acct string) error {
	sc, err := s.cfg.Engine.DeleteSchedule(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, scheduleOut(sc))
	return nil
}

// Occurrence windows: by default a day either side of now; at most
// maxOccurrenceLimit entries.
const (
	defaultOccurrenceLimit = 100
	maxOccurrenceLimit     = 1000
	defaultOccurrenceSpan  = 24 * time.Hour
)

func (s *Server) occurrences(w http.ResponseWriter, r *http.Request, acct string) error {
	q := newQuery(r)
	now := s.now().UTC()
	from := q.time("from", now.Add(-defaultOccurrenceSpan))
	to := q.time("to", now.Add(defaultOccurrenceSpan))
	limit := q.intIn("limit", defaultOccurrenceLimit, 1, maxOccurrenceLimit)
	if err := q.err(); err != nil {
		return err
	}
	if !to.After(from) {
		return validationError{{Loc: []any{"query", "to"}, Msg: "to must be after from", Type: typeValue}}
	}
	occ, err := s.cfg.Engine.Occurrences(r.Context(), acct, r.PathValue("id"), from, to, limit)
	if err != nil {
		return err
	}
	out := make([]occurrenceJSON, len(occ))
	for i, o := range occ {
		out[i] = occurrenceOut(o)
	}
	writeData(w, out)
	return nil
}

var runFields = []string{"chat_id", "schedule_id", "bundle", "toolhouse_id", "vars", "callback_url"}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request, acct string) error {
	b, err := readBody(r, runFields...)
	if err != nil {
		return err
	}
	in := engine.RunInput{
		ChatID:      deref(b.str("chat_id", true)),
		ScheduleID:  deref(b.str("schedule_id", false)),
		Bundle:      deref(b.str("bundle", false)),
		ToolhouseID: deref(b.str("toolhouse_id", false)),
	}
	cb := b.str("callback_url", false)
	s.callbackField(b, cb)
	in.CallbackURL = deref(cb)
	in.Vars, _ = b.strMap("vars")
	if err := b.err(); err != nil {
		return err
	}
	run, err := s.cfg.Engine.CreateAgentRun(r.Context(), acct, in)
	if err != nil {
		return err
	}
	writeData(w, runOut(run))
	return nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, acct string) error {
	q := newQuery(r)
	f := engine.RunFilter{Page: engine.Page{Limit: q.intIn("limit", engine.DefaultPageLimit, 1, engine.MaxPageLimit)}}
	f.Cursor, _ = q.get("next_cursor")
	f.ScheduleID, _ = q.get("schedule_id")
	if st, ok := q.get("status"); ok {
		f.Status = engine.RunStatus(st)
		if !f.Status.Valid() {
			q.fail("status", "Input should be 'queued', 'in_progress', 'completed' or 'failed'", typeEnum)
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.cfg.Engine.ListRuns(r.Context(), acct, f)
	if err != nil {
		return invalidCursor(err)
	}
	out := make([]runJSON, len(list))
	for i, run := range list {
		out[i] = runOut(run)
	}
	writeJSON(w, http.StatusOK, listEnvelope{Data: out, NextCursor: strJSON(next)})
	return nil
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, acct string) error {
	run, err := s.cfg.Engine.GetRun(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, runOut(run))
	return nil
}

// maxMessageLen bounds a message added to a run.
const maxMessageLen = 64 << 10

func (s *Server) addMessage(w http.ResponseWriter, r *http.Request, acct string) error {
	b, err := readBody(r, "message")
	if err != nil {
		return err
	}
	msg := b.str("message", true)
	if msg != nil {
		switch {
		case strings.TrimSpace(*msg) == "":
			b.fail("message", "String should have at least 1 character", "string_too_short")
		case len(*msg) > maxMessageLen:
			b.fail("message", "String should have at most 65536 characters", typeStringLen)
		}
	}
	if err := b.err(); err != nil {
		return err
	}
	run, err := s.cfg.Engine.AddMessage(r.Context(), acct, r.PathValue("id"), *msg)
	if err != nil {
		return err
	}
	writeData(w, runOut(run))
	return nil
}
