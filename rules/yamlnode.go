package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"
)

// This file holds the helpers that read YAML nodes by hand. Decoding through yaml.Node
// rather than into a struct is what lets every problem carry its line, lets a file
// report all its problems at once, and catches duplicate keys.

// parseYAML parses one YAML document and returns its top-level node: nil for an empty
// document. Syntax errors are recorded in p, and so is anything after the document (a
// "..." or "---" line followed by more YAML): yaml.Unmarshal would silently drop it, and
// with it whatever keys the author meant to set. Empty documents after the first (a
// stray trailing "---") are harmless and allowed.
func (p *problems) parseYAML(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			p.yamlError(err)
		}
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && (len(next.Content) == 0 || isNull(next.Content[0])) {
			continue
		}
		line, marker := documentEnd(data, doc.Content[0].Line)
		p.at(line+p.offset, "%s ends the YAML document, but more follows; a file holds one document", marker)
		return nil
	}
	return resolve(doc.Content[0])
}

// documentEnd finds the line (1-based) of the first "---" or "..." marker after the
// line where the first document's content starts, and the marker.
func documentEnd(data []byte, start int) (int, string) {
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		n++
		if n <= start {
			continue
		}
		for _, m := range []string{"---", "..."} {
			if rest, ok := strings.CutPrefix(line, m); ok &&
				(rest == "" || rest[0] == ' ' || rest[0] == '\t') {
				return n, m
			}
		}
	}
	return start, "a document marker"
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "an unsupported value"
}

// field is one key of a mapping with its value.
type field struct {
	name       string
	key, value *yaml.Node
}

// fields returns the pairs of a mapping node, recording duplicate keys and, when allowed
// is not nil, keys it does not hold. what names the mapping in messages ("key" or
// "examples key").
func (p *problems) fields(m *yaml.Node, what string, allowed []string) []field {
	var out []field
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.node(k, "%s must be a string, not %s", what, kindName(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			p.node(k, "duplicate %s %q (first on line %d)", what, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line + p.offset
		if allowed != nil && !contains(allowed, k.Value) {
			msg := fmt.Sprintf("unknown %s %q", what, k.Value)
			if s := suggest(k.Value, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			p.node(k, "%s; allowed keys: %s", msg, strings.Join(allowed, ", "))
			continue
		}
		out = append(out, field{name: k.Value, key: k, value: v})
	}
	return out
}

// str reads a scalar value. A null value reads as "".
func (p *problems) str(f field) (string, bool) {
	if isNull(f.value) {
		return "", true
	}
	if f.value.Kind != yaml.ScalarNode {
		p.node(f.value, "%s: want a string, got %s", f.name, kindName(f.value))
		return "", false
	}
	return f.value.Value, true
}

// boolean reads a true or false scalar (YAML 1.2 spelling: true, false, any case).
func (p *problems) boolean(f field) (bool, bool) {
	if f.value.Kind == yaml.ScalarNode && !isNull(f.value) {
		switch strings.ToLower(f.value.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	if f.value.Kind == yaml.ScalarNode {
		p.node(f.value, "%s: want true or false, got %q", f.name, f.value.Value)
	} else {
		p.node(f.value, "%s: want true or false, got %s", f.name, kindName(f.value))
	}
	return false, false
}

// item is one string of a list, with its node for line numbers.
type item struct {
	value string
	node  *yaml.Node
}

// list reads a list of strings. A single string reads as a one-element list, since
// `paths: "**/*.go"` can only mean one thing.
func (p *problems) list(f field) []item {
	v := f.value
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		return []item{{v.Value, v}}
	case v.Kind != yaml.SequenceNode:
		p.node(v, "%s: want a list of strings, got %s", f.name, kindName(v))
		return nil
	}
	var out []item
	for _, e := range v.Content {
		e = resolve(e)
		if e.Kind != yaml.ScalarNode || isNull(e) {
			p.node(e, "%s: want a string, got %s", f.name, kindName(e))
			continue
		}
		out = append(out, item{e.Value, e})
	}
	return out
}

// globs reads a list of doublestar globs and validates each.
func (p *problems) globs(f field) []string {
	var out []string
	for _, it := range p.list(f) {
		if g, ok := p.glob(f.name, it); ok {
			out = append(out, g)
		}
	}
	return out
}

func (p *problems) glob(name string, it item) (string, bool) {
	g, err := cleanGlob(it.value)
	if err != nil {
		p.node(it.node, "%s: %v", name, err)
		return "", false
	}
	return g, true
}

// cleanGlob trims a glob, drops a leading "./" or "/" (paths are relative to the
// repository root either way) and validates it.
func cleanGlob(g string) (string, error) {
	g = strings.TrimSpace(g)
	g = strings.TrimPrefix(g, "./")
	g = strings.TrimLeft(g, "/")
	if g == "" {
		return "", fmt.Errorf("empty glob")
	}
	if !doublestar.ValidatePattern(g) {
		return "", fmt.Errorf("bad glob %q", g)
	}
	return g, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// suggest returns the allowed key nearest to key, or "" when none is near enough to be
// a plausible typo.
func suggest(key string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		d := editDistance(strings.ToLower(key), a)
		if d < bestDist && d < len(a) {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

const mappingNode = yaml.MappingNode
