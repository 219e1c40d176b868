package engine

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// idSource hands out random bytes from a buffer, refilled 4 KiB at a
// time, so that creating an id costs no system call. It is not safe for
// concurrent use: the dispatcher has its own, everything else shares ids.
type idSource struct {
	buf [4096]byte
	off int
}

// ids is the shared source of [newID].
var ids struct {
	sync.Mutex
	src idSource
}

// newID returns a random (version 4) UUID in canonical lower-case form.
func newID() string {
	ids.Lock()
	u := ids.src.random()
	ids.Unlock()
	return formatUUID(u)
}

// newID is the package's newID without the lock, for one goroutine.
func (s *idSource) newID() string { return formatUUID(s.random()) }

// random returns 16 random bytes.
func (s *idSource) random() (u [16]byte) {
	if s.off == 0 || s.off+16 > len(s.buf) { // empty (zero value) or used up
		rand.Read(s.buf[:]) // never fails (crypto/rand: "Read ... never returns an error")
		s.off = 0
	}
	copy(u[:], s.buf[s.off:])
	s.off += 16
	return u
}

// formatUUID makes u a version 4 UUID in canonical lower-case form.
func formatUUID(u [16]byte) string {
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// isUUID reports whether s is a UUID in the canonical 8-4-4-4-12
// hexadecimal form (any version, either case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
