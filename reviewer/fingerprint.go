package reviewer

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Fingerprint identifies a finding across runs and pushes. It is built from what the
// finding is about, never from where it is: the rule (or finding class), the file, the
// code it sits on with its white space folded, and n, the number of earlier lines of the
// same file with the same rule and the same folded code (so two identical lines get two
// fingerprints). Lines moving up or down, re-indentation and reworded messages leave it
// unchanged; editing the flagged code changes it.
func Fingerprint(ruleID, path, code string, n int) string {
	h := sha256.New()
	h.Write([]byte("v1\x00"))
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(foldSpace(code)))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(n)))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:12])
}

// foldSpace trims s and replaces every run of white space with one space.
func foldSpace(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\t\n\v\f\r  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
