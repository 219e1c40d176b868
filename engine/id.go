package engine

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// ids hands out random bytes from a buffer, refilled 4 KiB at a time, so
// that creating a run costs no system call.
var ids struct {
	sync.Mutex
	buf [4096]byte
	off int
}

func init() { ids.off = len(ids.buf) }

// newID returns a random (version 4) UUID in canonical lower-case form.
func newID() string {
	var u [16]byte
	ids.Lock()
	if ids.off+16 > len(ids.buf) {
		rand.Read(ids.buf[:]) // never fails (crypto/rand: "Read ... never returns an error")
		ids.off = 0
	}
	copy(u[:], ids.buf[ids.off:])
	ids.off += 16
	ids.Unlock()
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
