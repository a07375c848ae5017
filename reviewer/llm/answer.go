package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ErrInvalidAnswer reports a model answer that is not JSON or does not match the findings
// contract of DESIGN.md. The client retries such answers with a fresh request before it
// returns this error; the pipeline reports it in the summary and posts nothing.
var ErrInvalidAnswer = errors.New("answer is not valid JSON matching the findings contract")

// Limits on the fields of one finding. A model that loops can emit megabytes into one
// string; what goes beyond these is cut (at a rune boundary) rather than posted.
const (
	maxPathLen       = 1024
	maxRuleIDLen     = 128
	maxMessageLen    = 4000
	maxQuoteLen      = 1000
	maxSuggestionLen = 8000
	// maxLine rejects line numbers no source file has; it also keeps end_line-line
	// arithmetic far from overflow.
	maxLine = 10_000_000
	// maxFindings bounds one answer: more than this from one chunk is noise.
	maxFindings = 200
	// maxCandidates bounds how many '{' positions the text extractor tries, so a long
	// prose answer full of braces cannot make parsing quadratic.
	maxCandidates = 64
)

// ParseAnswer extracts the answer object {"findings": [...]} from a model's message
// content and returns its valid findings.
//
// The content may be the bare object (json_schema and json_object modes) or prose around
// it, with or without a ```json fence (plain-text mode). A content without such an object
// is an error wrapping ErrInvalidAnswer.
//
// Each finding is validated and normalized; invalid items are dropped, not fatal:
//   - path must be non-empty, line >= 1;
//   - end_line defaults to line; end_line < line drops the item;
//   - side defaults to "new" ("right"/"left" are read as new/old); anything else drops it;
//   - severity is info, warning or error; common synonyms are mapped (critical, high →
//     error; medium, warn → warning; low, note, minor → info) and anything else becomes
//     warning, so an unknown word never hides or escalates a finding;
//   - message must be non-empty;
//   - strings are made valid UTF-8, trimmed of surrounding space (except suggestion, whose
//     indentation matters) and cut to a maximum length.
func ParseAnswer(content string) ([]reviewer.ModelFinding, error) {
	findings, _, err := parseAnswer(content)
	return findings, err
}

// parseAnswer is ParseAnswer that also returns how many items were dropped as invalid.
func parseAnswer(content string) (findings []reviewer.ModelFinding, dropped int, err error) {
	items, err := extractAnswer(content)
	if err != nil {
		return nil, 0, err
	}
	for _, raw := range items {
		if len(findings) == maxFindings {
			dropped++
			continue
		}
		f, ok := toFinding(raw)
		if !ok {
			dropped++
			continue
		}
		findings = append(findings, f)
	}
	return findings, dropped, nil
}

// extractAnswer finds the answer object in content and returns its raw findings.
func extractAnswer(content string) ([]json.RawMessage, error) {
	return extractItems(content, "findings")
}

// extractItems finds the object whose key holds an array in content, as extractAnswer
// does for findings, and returns the array's items raw.
func extractItems(content, key string) ([]json.RawMessage, error) {
	s := strings.TrimSpace(content)
	if s == "" {
		return nil, fmt.Errorf("%w: empty content", ErrInvalidAnswer)
	}
	if items, ok := decodeAnswer(s, key); ok {
		return items, nil
	}
	// A fenced block is what models write most often around JSON in prose.
	for _, block := range fencedBlocks(s) {
		if items, ok := decodeAnswer(block, key); ok {
			return items, nil
		}
	}
	// Otherwise try every '{' as the start of the object; the decoder stops at its end
	// and ignores the prose after it.
	rest, tried := s, 0
	for tried < maxCandidates {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		rest = rest[i:]
		if items, ok := decodeAnswerPrefix(rest, key); ok {
			return items, nil
		}
		rest = rest[1:]
		tried++
	}
	return nil, fmt.Errorf("%w: no JSON object with a %s array in %d bytes of content", ErrInvalidAnswer, key, len(content))
}

// decodeAnswer reads s as the contract's top-level object and returns its findings raw,
// so that one bad item does not reject the whole answer. A null findings is no findings.
func decodeAnswer(s, key string) ([]json.RawMessage, bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		return nil, false
	}
	v, ok := top[key]
	if !ok {
		return nil, false
	}
	if string(bytes.TrimSpace(v)) == "null" {
		return []json.RawMessage{}, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return nil, false
	}
	return items, true
}

func decodeAnswerPrefix(s, key string) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, false
	}
	return decodeAnswer(string(raw), key)
}

// fencedBlocks returns the contents of ``` fences in s, in order; the info string (json)
// after the opening fence is skipped.
func fencedBlocks(s string) []string {
	var blocks []string
	for len(blocks) < maxCandidates {
		i := strings.Index(s, "```")
		if i < 0 {
			break
		}
		s = s[i+3:]
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			break
		}
		body := s[nl+1:]
		j := strings.Index(body, "```")
		if j < 0 {
			blocks = append(blocks, body)
			break
		}
		blocks = append(blocks, body[:j])
		s = body[j+3:]
	}
	return blocks
}

// wireFinding is one finding as the model wrote it. The number fields stay raw so that
// "42" and 42.0 are read as 42 instead of failing the whole item.
type wireFinding struct {
	Path       json.RawMessage `json:"path"`
	Line       json.RawMessage `json:"line"`
	EndLine    json.RawMessage `json:"end_line"`
	Side       json.RawMessage `json:"side"`
	Severity   json.RawMessage `json:"severity"`
	RuleID     json.RawMessage `json:"rule_id"`
	Message    json.RawMessage `json:"message"`
	Quote      json.RawMessage `json:"quote"`
	Suggestion json.RawMessage `json:"suggestion"`
}

func toFinding(raw json.RawMessage) (reviewer.ModelFinding, bool) {
	var w wireFinding
	if err := json.Unmarshal(raw, &w); err != nil {
		return reviewer.ModelFinding{}, false
	}
	line, ok := intField(w.Line)
	if !ok || line < 1 || line > maxLine {
		return reviewer.ModelFinding{}, false
	}
	end, ok := intField(w.EndLine)
	if !ok || end > maxLine {
		return reviewer.ModelFinding{}, false
	}
	if end == 0 {
		end = line
	}
	if end < line {
		return reviewer.ModelFinding{}, false
	}
	side, ok := normalizeSide(stringField(w.Side))
	if !ok {
		return reviewer.ModelFinding{}, false
	}
	f := reviewer.ModelFinding{
		Path:       clip(strings.TrimSpace(stringField(w.Path)), maxPathLen),
		Line:       line,
		EndLine:    end,
		Side:       side,
		Severity:   normalizeSeverity(stringField(w.Severity)),
		RuleID:     clip(strings.TrimSpace(stringField(w.RuleID)), maxRuleIDLen),
		Message:    clip(strings.TrimSpace(stringField(w.Message)), maxMessageLen),
		Quote:      clip(strings.TrimSpace(stringField(w.Quote)), maxQuoteLen),
		Suggestion: clip(stringField(w.Suggestion), maxSuggestionLen),
	}
	if f.Path == "" || f.Message == "" {
		return reviewer.ModelFinding{}, false
	}
	return f, true
}

// intField reads a JSON number or numeric string as an int. Absent and null read as 0.
func intField(raw json.RawMessage) (int, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, true
		}
	} else {
		s = string(raw)
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || math.Abs(x) > maxLine*10 {
		return 0, false
	}
	return int(x), true
}

// stringField reads a JSON string; a number or boolean is read as its text and anything
// else (null, object, array) as empty.
func stringField(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ""
		}
		return s
	case '{', '[', 'n':
		return ""
	default:
		return string(raw)
	}
}

func normalizeSide(s string) (reviewer.Side, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "new", "right", "+":
		return reviewer.SideNew, true
	case "old", "left", "-":
		return reviewer.SideOld, true
	}
	return "", false
}

func normalizeSeverity(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error", "critical", "high", "blocker", "major":
		return "error"
	case "info", "low", "note", "minor", "suggestion", "nit":
		return "info"
	default: // warning, warn, medium, and anything unknown
		return "warning"
	}
}

// clip makes s valid UTF-8 and cuts it to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
