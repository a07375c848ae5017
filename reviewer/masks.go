package reviewer

import (
	"sync"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// masks runs the masker at most once per parsed file of a review: the secret rules
// (runPatterns) and the model stage ask about the same files, and masking is the larger
// part of either's cost on a big change. It is safe for concurrent use.
type masks struct {
	red  *redact.Redactor
	mu   sync.Mutex
	done map[*diff.File]masked
}

type masked struct {
	file    *diff.File
	secrets []redact.Secret
}

func newMasks(red *redact.Redactor) *masks {
	return &masks{red: red, done: map[*diff.File]masked{}}
}

// file is red.File(f), computed once per f.
func (m *masks) file(f *diff.File) (*diff.File, []redact.Secret) {
	m.mu.Lock()
	r, ok := m.done[f]
	m.mu.Unlock()
	if ok {
		return r.file, r.secrets
	}
	rf, secrets := m.red.File(f)
	m.mu.Lock()
	m.done[f] = masked{rf, secrets}
	m.mu.Unlock()
	return rf, secrets
}
