package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Key is a secret that seals and verifies. The zero Key seals nothing and verifies
// nothing.
type Key struct {
	k []byte
}

// New returns a key made from secret; an empty secret gives the zero Key. The secret is
// first run through HMAC under a fixed label, so keys of any length and origin (a
// configured secret, a gateway API key) become uniform 32-byte keys, and no sealed value
// is ever an HMAC under the raw secret itself.
func New(secret []byte) Key {
	if len(secret) == 0 {
		return Key{}
	}
	return Key{k: mac([]byte("reviewer seal v1"), []byte(secret))}
}

// IsZero reports whether k is the zero Key, which verifies nothing.
func (k Key) IsZero() bool { return len(k.k) == 0 }

// Derive returns the key for one purpose ("summary", "cache"), so that a value sealed for
// one use never verifies for another.
func (k Key) Derive(purpose string) Key {
	if k.IsZero() {
		return Key{}
	}
	return Key{k: mac(k.k, []byte("purpose\x00"+purpose))}
}

// Sum returns the seal of parts as lowercase hex, or "" for the zero Key. Each part is
// framed by its length, so ("ab", "c") and ("a", "bc") seal differently.
func (k Key) Sum(parts ...string) string {
	if k.IsZero() {
		return ""
	}
	return hex.EncodeToString(k.sum(parts))
}

// Verify reports whether seal is Sum(parts...) under k, in constant time. The zero Key
// verifies nothing.
func (k Key) Verify(seal string, parts ...string) bool {
	if k.IsZero() {
		return false
	}
	got, err := hex.DecodeString(seal)
	if err != nil {
		return false
	}
	return hmac.Equal(got, k.sum(parts))
}

// String keeps the key out of formatted output and logs.
func (k Key) String() string { return "[redacted]" }

func (k Key) sum(parts []string) []byte {
	h := hmac.New(sha256.New, k.k)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// GoString keeps the key out of %#v.
func (k Key) GoString() string { return "seal.Key{[redacted]}" }
