package prompts

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// ToolSpec is a tool the model may call, as the chat completions API describes one: a
// name, what it does, and a JSON schema of its arguments.
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

//go:embed templates/tools.json
var toolsJSON []byte

// Tools returns the tools a review may offer the model: read_file, search, list_dir and
// find_definition. Their text lives in templates/tools.json like every prompt's.
func Tools() []ToolSpec {
	var specs []ToolSpec
	if err := json.Unmarshal(toolsJSON, &specs); err != nil {
		panic("prompts: templates/tools.json: " + err.Error()) // the file is embedded: a programmer error
	}
	return specs
}

// ToolResult is what one tool call returned, for the tool message.
type ToolResult struct {
	// Name is the tool's name; Summary says in a few words what was asked, e.g.
	// "src/app.go lines 1-40 at head". Both are untrusted and shown sanitized.
	Name, Summary string
	// Text is the tool's output: repository content, already masked, untrusted.
	Text string
}

// RenderToolResult renders r as a tool message's content: the output fenced as untrusted
// data with a delimiter token derived from it, as Render fences a diff, so that text in a
// file can neither close the block nor pass for instructions.
func RenderToolResult(r ToolResult) (string, error) {
	h := nonceHash{h: sha256.New()}
	h.str(SchemaVersion)
	h.str("tool")
	h.str(r.Name)
	h.str(r.Summary)
	h.str(r.Text)
	nonce := hex.EncodeToString(h.sum())[:NonceLen]
	data := struct{ Nonce, Name, Summary, Text string }{
		Nonce:   nonce,
		Name:    withoutNonce(cleanLine(r.Name), nonce),
		Summary: withoutNonce(cleanLine(r.Summary), nonce),
		Text:    strings.TrimRight(withoutNonce(cleanText(r.Text), nonce), "\n"),
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "tool", data); err != nil {
		return "", fmt.Errorf("render tool result: %w", err)
	}
	return b.String(), nil
}
