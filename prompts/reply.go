package prompts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
