package engine_test

import (
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func TestCadencePolicyCheck(t *testing.T) {
	t.Parallel()
	const (
		clampFiveOfTen  = "cadence fires as often as every 5 minutes, more often than the minimum of every 10 minutes: it will run at most every 10 minutes"
		rejectFiveOfTen = "fires as often as every 5 minutes, more often than the minimum cadence of every 10 minutes"
	)
	tests := []struct {
		name                 string
		policy               engine.CadencePolicy
		minCadence, interval time.Duration
		wantWarning, wantErr string // wantErr is the ValidationError's Msg
	}{
		{name: "clamp below", policy: engine.CadenceClamp, minCadence: 10 * time.Minute, interval: 5 * time.Minute, wantWarning: clampFiveOfTen},
		{name: "default policy clamps", policy: "", minCadence: 10 * time.Minute, interval: 5 * time.Minute, wantWarning: clampFiveOfTen},
		{name: "reject below", policy: engine.CadenceReject, minCadence: 10 * time.Minute, interval: 5 * time.Minute, wantErr: rejectFiveOfTen},
		{name: "clamp at the minimum", policy: engine.CadenceClamp, minCadence: 10 * time.Minute, interval: 10 * time.Minute},
		{name: "reject at the minimum", policy: engine.CadenceReject, minCadence: 10 * time.Minute, interval: 10 * time.Minute},
		{name: "reject above", policy: engine.CadenceReject, minCadence: 10 * time.Minute, interval: time.Hour},
		{name: "no minimum", policy: engine.CadenceReject, minCadence: 0, interval: time.Minute},
		{name: "negative minimum", policy: engine.CadenceReject, minCadence: -1, interval: time.Minute},
		{name: "never fires twice", policy: engine.CadenceReject, minCadence: 10 * time.Minute, interval: 0},
		{name: "clamp in days", policy: engine.CadenceClamp, minCadence: 51 * time.Hour, interval: 24 * time.Hour,
			wantWarning: "cadence fires as often as every 1 day, more often than the minimum of every 2 days 3 hours: it will run at most every 2 days 3 hours"},
		{name: "reject in hours and minutes", policy: engine.CadenceReject, minCadence: 2 * time.Hour, interval: 90 * time.Minute,
			wantErr: "fires as often as every 1 hour 30 minutes, more often than the minimum cadence of every 2 hours"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			warning, err := tc.policy.Check(tc.minCadence, tc.interval)
			if warning != tc.wantWarning {
				t.Errorf("warning = %q, want %q", warning, tc.wantWarning)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("error = %v, want none", err)
				}
				return
			}
			checkValidation(t, err, &engine.ValidationError{Field: "cadence", Msg: tc.wantErr})
		})
	}
}
