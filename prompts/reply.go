package prompts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// RenderReplyClassify renders the request that asks a model what a reply in the bot's
// thread asks for: finding is the bot's comment as posted, reply the person's answer.
// Both are untrusted: they are sanitized (multi-line text kept) and delimited with a
// nonce over both, as Render does for a diff. The caller redacts secrets first.
func RenderReplyClassify(finding, reply string) ([]Message, error) {
	var system bytes.Buffer
	if err := templates.ExecuteTemplate(&system, "reply_classify_system.tmpl", nil); err != nil {
		return nil, fmt.Errorf("render reply instructions: %w", err)
	}
	h := nonceHash{h: sha256.New()}
	h.str("reply_classify")
	h.str(SchemaVersion)
	h.str(finding)
	h.str(reply)
	nonce := hex.EncodeToString(h.sum())[:NonceLen]
	text := func(s string) string { return withoutNonce(cleanText(s), nonce) }
	data := struct{ Nonce, Finding, Reply string }{Nonce: nonce, Finding: text(finding), Reply: text(reply)}
	var user bytes.Buffer
	if err := templates.ExecuteTemplate(&user, "reply_classify_user.tmpl", data); err != nil {
		return nil, fmt.Errorf("render reply request: %w", err)
	}
	return []Message{{Role: RoleSystem, Content: system.String()}, {Role: RoleUser, Content: user.String()}}, nil
}

// RenderReplyAnswer renders the request that asks a model to answer a question asked in
// the bot's thread: the finding, the diff lines around it, the thread before the
// question, and the question, each sanitized and fenced under one nonce over all of them.
// The caller redacts secrets first.
func RenderReplyAnswer(finding string, code, thread []string, question string) ([]Message, error) {
	var system bytes.Buffer
	if err := templates.ExecuteTemplate(&system, "reply_answer_system.tmpl", nil); err != nil {
		return nil, fmt.Errorf("render answer instructions: %w", err)
	}
	h := nonceHash{h: sha256.New()}
	h.str("reply_answer")
	h.str(SchemaVersion)
	h.str(finding)
	h.num(len(code))
	for _, l := range code {
		h.str(l)
	}
	h.num(len(thread))
	for _, l := range thread {
		h.str(l)
	}
	h.str(question)
	nonce := hex.EncodeToString(h.sum())[:NonceLen]
	text := func(s string) string { return withoutNonce(cleanText(s), nonce) }
	lines := func(ls []string) string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = withoutNonce(cleanLine(l), nonce)
		}
		return strings.Join(out, "\n")
	}
	data := struct{ Nonce, Finding, Code, Thread, Question string }{Nonce: nonce, Finding: text(finding),
		Code: lines(code), Thread: text(strings.Join(thread, "\n")), Question: text(question)}
	var user bytes.Buffer
	if err := templates.ExecuteTemplate(&user, "reply_answer_user.tmpl", data); err != nil {
		return nil, fmt.Errorf("render answer request: %w", err)
	}
	return []Message{{Role: RoleSystem, Content: system.String()}, {Role: RoleUser, Content: user.String()}}, nil
}
