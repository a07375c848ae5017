package rules

import (
	"bytes"
	"regexp"
	"strings"
)

// ruleKeys are the front matter keys of a rules file, in the order DESIGN.md lists them.
var ruleKeys = []string{"id", "title", "severity", "paths", "exclude", "exclude_regions", "pattern", "secrets", "unless", "unless_block", "inline", "message", "examples"}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Parse reads one rules file: YAML front matter between two "---" lines, then the
// Markdown body that guides the model. name is the file's path in the repository; it
// becomes the rule's Source and prefixes every error.
//
// Parse reports every problem in the file at once, each as an *Error naming the line of
// the offending key or value, joined with errors.Join. A UTF-8 byte order mark and CRLF
// line endings are accepted.
func Parse(name string, data []byte) (*Rule, error) {
	front, body, ok := splitFrontMatter(data)
	if !ok {
		return nil, &Error{File: name, Line: 1, Msg: "no front matter: a rules file starts with a --- line, then YAML keys, then a closing --- line"}
	}
	if front == nil {
		return nil, &Error{File: name, Line: 1, Msg: "front matter is not closed: no --- line after the opening one"}
	}
	p := &problems{file: name, offset: 1}
	r := &Rule{Severity: SeverityWarning, Body: body, Source: name}
	root := p.parseYAML(front)
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	if root != nil && !isNull(root) && root.Kind != mappingNode {
		p.node(root, "front matter must be a mapping of keys, not %s", kindName(root))
		return nil, p.err()
	}
	var patternLine, secretsLine, unlessLine, blockLine, examplesLine int
	if root != nil && root.Kind == mappingNode {
		for _, f := range p.fields(root, "key", ruleKeys) {
			switch f.name {
			case "id":
				if v, ok := p.str(f); ok && v != "" {
					r.ID, r.idLine = v, f.key.Line+p.offset
					if !idRE.MatchString(v) {
						p.node(f.value, "id %q: want lowercase letters, digits, '-', '_' or '.', starting with a letter or digit", v)
					}
				}
			case "title":
				r.Title, _ = p.str(f)
			case "severity":
				if v, ok := p.str(f); ok && v != "" {
					s, err := ParseSeverity(v)
					if err != nil {
						p.node(f.value, "severity: %v", err)
					}
					r.Severity = s
				}
			case "paths":
				r.Paths = p.globs(f)
			case "exclude":
				r.Exclude = p.globs(f)
			case "exclude_regions":
				for _, it := range p.list(f) {
					reg, ok := regionNames[strings.TrimSpace(it.value)]
					if !ok {
						p.node(it.node, "exclude_regions: unknown region %q (known: %s)", it.value, regionNameList())
					}
					r.ExcludeRegions |= reg
				}
			case "pattern":
				if v, ok := p.str(f); ok && v != "" {
					r.Pattern, patternLine = v, f.key.Line+p.offset
					if _, err := compilePattern(v); err != nil {
						p.node(f.value, "pattern: %v", err)
					}
				}
			case "secrets":
				secretsLine = f.key.Line + p.offset
				for _, it := range p.list(f) {
					if it.value != "*" && !idRE.MatchString(it.value) {
						p.node(it.node, "secrets: %q is not a format id (lowercase letters, digits, '-') or *", it.value)
						continue
					}
					r.Secrets = append(r.Secrets, it.value)
				}
			case "unless":
				if v, ok := p.str(f); ok && v != "" {
					r.Unless, unlessLine = v, f.key.Line+p.offset
					if _, err := compilePattern(v); err != nil {
						p.node(f.value, "unless: %v", err)
					}
				}
			case "unless_block":
				if v, ok := p.str(f); ok && v != "" {
					r.UnlessBlock, blockLine = v, f.key.Line+p.offset
					if _, err := compilePattern(v); err != nil {
						p.node(f.value, "unless_block: %v", err)
					}
				}
			case "inline":
				if v, ok := p.boolean(f); ok {
					r.SummaryOnly = !v
				}
			case "message":
				r.Message, _ = p.str(f)
			case "examples":
				examplesLine = f.key.Line + p.offset
				p.examples(r, f)
			}
		}
	}
	if r.ID == "" {
		p.at(1, "missing required key id")
	}
	if r.Pattern != "" && strings.TrimSpace(r.Message) == "" {
		p.at(patternLine, "pattern needs a message: the text a pattern finding carries")
	}
	if r.Pattern != "" && secretsLine > 0 {
		p.at(secretsLine, "secrets and pattern: a rule reports the masker's secret formats or matches its own pattern, not both")
	}
	if len(r.Secrets) > 0 && strings.TrimSpace(r.Message) == "" {
		p.at(secretsLine, "secrets needs a message: the text a finding carries")
	}
	if r.Pattern == "" && unlessLine > 0 {
		p.at(unlessLine, "unless needs a pattern: it vetoes the pattern's hits")
	}
	if r.Pattern == "" && blockLine > 0 {
		p.at(blockLine, "unless_block needs a pattern: it vetoes the pattern's hits")
	}
	if r.Pattern == "" && len(r.Secrets) == 0 && examplesLine > 0 {
		p.at(examplesLine, "examples need a pattern or secrets to be checked against")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if err := r.Compile(); err != nil {
		// Unreachable: every input was validated above.
		return nil, err
	}
	return r, nil
}

var exampleKeys = []string{"bad", "good"}

func (p *problems) examples(r *Rule, f field) {
	if isNull(f.value) {
		return
	}
	if f.value.Kind != mappingNode {
		p.node(f.value, "examples: want a mapping with keys bad and good, got %s", kindName(f.value))
		return
	}
	for _, e := range p.fields(f.value, "examples key", exampleKeys) {
		items := p.list(field{name: "examples." + e.name, key: e.key, value: e.value})
		for _, it := range items {
			line := it.node.Line + p.offset
			if e.name == "bad" {
				r.Examples.Bad = append(r.Examples.Bad, it.value)
				r.badLines = append(r.badLines, line)
			} else {
				r.Examples.Good = append(r.Examples.Good, it.value)
				r.goodLines = append(r.goodLines, line)
			}
		}
	}
}

var bom = []byte("\xef\xbb\xbf")

// normalize drops a UTF-8 byte order mark and turns CRLF line endings into LF.
func normalize(data []byte) []byte {
	data = bytes.TrimPrefix(data, bom)
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	return data
}

// splitFrontMatter splits a Markdown file into its front matter (the lines between the
// opening and closing "---", which start on the file's second line) and its body,
// trimmed. ok is false when the file does not start with "---"; front is nil when the
// front matter is not closed.
func splitFrontMatter(data []byte) (front []byte, body string, ok bool) {
	data = normalize(data)
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if !isFence(first) {
		return nil, strings.TrimSpace(string(data)), false
	}
	off := 0
	for off <= len(rest) {
		line, _, _ := bytes.Cut(rest[off:], []byte("\n"))
		if isFence(line) {
			front = rest[:off:off]
			if front == nil {
				front = []byte{}
			}
			end := min(off+len(line)+1, len(rest))
			return front, strings.TrimSpace(string(rest[end:])), true
		}
		off += len(line) + 1
	}
	return nil, "", true
}

func isFence(line []byte) bool {
	return string(bytes.TrimRight(line, " \t")) == "---"
}
