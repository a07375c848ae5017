package prompts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Candidate is a finding shown to the verification pass, with the code it points at.
type Candidate struct {
	// ID names the candidate in the answer; the caller picks it ("f1"), never the change.
	ID   string
	Path string
	// Side is "new" or "old".
	Side          string
	Line, EndLine int
	Severity      string
	RuleID        string
	Message       string
	// Code is the diff's lines around the finding.
	Code []Line
	// Scope, when set, is code of the file after the change around the finding (its
	// enclosing function or block), to read beside Code.
	Scope *Excerpt
	// SameCodeAs, when set, is the id of an earlier candidate shown with the same code
	// and scope: they are not repeated.
	SameCodeAs string
}

type candidateData struct {
	ID, Path, Side, Severity, RuleID, Message, SameCodeAs string
	Line, EndLine                                         int
	// Code is the numbered lines, rendered by appendLines.
	Code string
	// Scope is the "SCOPE lines A-B" line and the scope's numbered lines, or "".
	Scope string
}

// RenderVerify renders the request that asks a model to check candidate findings: the
// verification instructions, then the candidates in one fenced block. Paths, messages
// and code are untrusted: they are sanitized, messages forced onto one line, and the
// block delimited with a nonce over all of it, as Render does for a diff.
func RenderVerify(cands []Candidate) ([]Message, error) {
	var system bytes.Buffer
	if err := templates.ExecuteTemplate(&system, "verify_system.tmpl", nil); err != nil {
		return nil, fmt.Errorf("render verification instructions: %w", err)
	}
	nonce := verifyNonce(cands)
	line := func(s string) string { return withoutNonce(cleanLine(s), nonce) }
	data := struct {
		Nonce      string
		Candidates []candidateData
	}{Nonce: nonce, Candidates: make([]candidateData, len(cands))}
	for i := range cands {
		c := &cands[i]
		var code []byte
		var err error
		if c.SameCodeAs == "" {
			code, err = appendLines(nil, c.Code)
		}
		if err != nil {
			return nil, fmt.Errorf("render finding %s: %w", c.ID, err)
		}
		data.Candidates[i] = candidateData{
			ID: line(c.ID), Path: line(c.Path), Side: line(c.Side), Severity: line(c.Severity), RuleID: line(c.RuleID),
			Message: strings.TrimSpace(line(c.Message)), Line: c.Line, EndLine: max(c.EndLine, c.Line),
			Code: withoutNonce(string(code), nonce), SameCodeAs: line(c.SameCodeAs),
		}
		if c.Scope != nil && c.SameCodeAs == "" && len(c.Scope.Lines) > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "SCOPE lines %d-%d\n", c.Scope.Start, c.Scope.Start+len(c.Scope.Lines)-1)
			for j, l := range c.Scope.Lines {
				fmt.Fprintf(&b, "%d: %s\n", c.Scope.Start+j, line(l))
			}
			data.Candidates[i].Scope = b.String()
		}
	}
	var user bytes.Buffer
	if err := templates.ExecuteTemplate(&user, "verify_user.tmpl", data); err != nil {
		return nil, fmt.Errorf("render verification request: %w", err)
	}
	return []Message{{Role: RoleSystem, Content: system.String()}, {Role: RoleUser, Content: user.String()}}, nil
}

// verifyNonce is Nonce for a verification request: a hash over everything it renders.
func verifyNonce(cands []Candidate) string {
	h := nonceHash{h: sha256.New()}
	h.str("verify")
	h.str(SchemaVersion)
	h.num(len(cands))
	for i := range cands {
		c := &cands[i]
		for _, s := range []string{c.ID, c.Path, c.Side, c.Severity, c.RuleID, c.Message, c.SameCodeAs} {
			h.str(s)
		}
		h.num(c.Line)
		h.num(c.EndLine)
		h.num(len(c.Code))
		for _, l := range c.Code {
			h.buf = append(h.buf, l.Kind)
			h.num(l.OldLine)
			h.num(l.NewLine)
			h.str(l.Content)
		}
		if c.Scope != nil {
			h.num(c.Scope.Start)
			h.num(len(c.Scope.Lines))
			for _, l := range c.Scope.Lines {
				h.str(l)
			}
		}
	}
	return hex.EncodeToString(h.sum())[:NonceLen]
}
