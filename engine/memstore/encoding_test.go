package memstore

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestUUIDKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		uuid bool // stored as its 16 bytes
	}{
		{"5f0b2a9c-3d4e-4f60-8a7b-9c0d1e2f3a4b", true},
		{"00000000-0000-0000-0000-000000000001", true},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"00000000-0000-0000-0000-000000000000", false}, // the zero key means ""
		{"5F0B2A9C-3D4E-4F60-8A7B-9C0D1E2F3A4B", false}, // would not format back the same
		{"{5f0b2a9c-3d4e-4f60-8a7b-9c0d1e2f3a4b}", false},
		{"5f0b2a9c3d4e4f608a7b9c0d1e2f3a4b", false},
		{"5f0b2a9c-3d4e-4f60-8a7b-9c0d1e2f3a4", false},
		{"5f0b2a9c-3d4e-4f60-8a7b-9c0d1e2f3a4g", false},
		{"5f0b2a9c_3d4e-4f60-8a7b-9c0d1e2f3a4b", false},
		{"acct-1", false},
	}
	st := New()
	for _, tc := range tests {
		k, ok := parseUUID(tc.id)
		if ok != tc.uuid {
			t.Errorf("parseUUID(%q) ok = %v, want %v", tc.id, ok, tc.uuid)
		}
		if ok && formatUUID(k) != tc.id {
			t.Errorf("formatUUID(parseUUID(%q)) = %q", tc.id, formatUUID(k))
		}
		k, name := st.register(tc.id)
		if name == tc.uuid {
			t.Errorf("register(%q): name = %v, want %v", tc.id, name, !tc.uuid)
		}
		if got := st.decode(k, name); got != tc.id {
			t.Errorf("decode(register(%q)) = %q", tc.id, got)
		}
	}
	if k, name := st.register(""); k != (key{}) || name || st.decode(k, name) != "" {
		t.Errorf(`register("") = %v, %v; want the zero key`, k, name)
	}
}

// compareIDs must order stored ids exactly as their strings order,
// whatever mix of UUIDs and other ids it gets.
func TestCompareIDs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	st := New()
	gen := func() string {
		var k key
		for i := range k {
			k[i] = byte(rng.IntN(256))
		}
		if rng.IntN(4) == 0 {
			k[0] = 0x5f // share prefixes
		}
		u := formatUUID(k)
		switch rng.IntN(6) {
		case 0:
			return strings.ToUpper(u)
		case 1:
			return u[:rng.IntN(36)]
		case 2:
			return "5f" + u[2:10]
		}
		return u
	}
	for range 20000 {
		a, b := gen(), gen()
		ka, na := st.register(a)
		kb, nb := st.register(b)
		if got, want := st.compareIDs(ka, na, kb, nb), strings.Compare(a, b); got != want {
			t.Fatalf("compareIDs(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

func TestMicros(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		{},
		time.Unix(0, 0).UTC(), // the epoch is not the zero time
		time.UnixMicro(-1).UTC(),
		time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2030, 3, 9, 1, 2, 3, 456789000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	} {
		got := fromMicros(micros(tm))
		if !got.Equal(tm) || got.IsZero() != tm.IsZero() || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("fromMicros(micros(%v)) = %v (zero %v, location %v)", tm, got, got.IsZero(), got.Location())
		}
	}
}

func TestInterner(t *testing.T) {
	t.Parallel()
	in := newInterner(permanentStrings...)
	a := in.add("cadence")
	if b := in.add("cadence"); b != a {
		t.Fatalf("add twice: handles %d and %d", a, b)
	}
	if h := in.addLike("cadence", a); h != a {
		t.Fatalf("addLike = %d, want %d", h, a)
	}
	in.release(a)
	in.release(a)
	if got, ok := in.lookup("cadence"); !ok || got != a || in.get(a) != "cadence" {
		t.Fatalf("after two of three releases: lookup = %d, %v", got, ok)
	}
	in.release(a)
	if _, ok := in.lookup("cadence"); ok {
		t.Fatal("string still interned after its last release")
	}
	if b := in.add("other"); b != a {
		t.Errorf("freed handle not reused: got %d, want %d", b, a)
	}
	for h, s := range permanentStrings {
		got := in.add(s)
		in.release(got)
		in.release(got)
		if got != uint32(h) || in.get(got) != s {
			t.Errorf("permanent %q: handle %d, want %d", s, got, h)
		}
	}
}

// parseUUIDRef is parseUUID written plainly: lower-case hex digits with
// dashes at 8, 13, 18 and 23, not all zero.
func parseUUIDRef(s string) (key, bool) {
	var k key
	if len(s) != 36 {
		return key{}, false
	}
	j := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return key{}, false
			}
			continue
		}
		v := strings.IndexByte("0123456789abcdef", s[i])
		if v < 0 {
			return key{}, false
		}
		k[j/2] |= byte(v) << (4 * (1 - j%2))
		j++
	}
	if k == (key{}) {
		return key{}, false
	}
	return k, true
}

// Every byte value at every position of a valid UUID (and of the zero
// UUID): parseUUID agrees with the plain definition, and formatUUID gives
// back what it accepted.
func TestParseUUIDEveryByte(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"5f0b2a9c-3d4e-4f60-8a7b-9c0d1e2f3a4b", "00000000-0000-0000-0000-000000000000"} {
		b := []byte(base)
		for i := range b {
			orig := b[i]
			for c := range 256 {
				b[i] = byte(c)
				s := string(b)
				gk, gok := parseUUID(s)
				wk, wok := parseUUIDRef(s)
				if gok != wok || (gok && gk != wk) {
					t.Errorf("parseUUID(%q) = %x, %v; want %x, %v", s, gk, gok, wk, wok)
				}
				if gok && formatUUID(gk) != s {
					t.Errorf("formatUUID(parseUUID(%q)) = %q", s, formatUUID(gk))
				}
			}
			b[i] = orig
		}
	}
}
