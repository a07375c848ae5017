package learn

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/aymanbagabas/go-udiff"

	"github.com/reviewerbot/reviewer/rules"
)

// FileEdit is the proposed content of one file of the repository.
type FileEdit struct {
	Path string
	// Old is the content at the base; nil for a new file.
	Old, New []byte
	// Rules are the ids of the rules it changes.
	Rules []string
}

// Options tune Apply.
type Options struct {
	// Mask redacts secrets from text written into a rules file (dismissed paths); nil
	// leaves text as it is.
	Mask func(string) string
	// RulesDir is the operator's rules directory (review.rules_dir), where a built-in
	// rule's override goes; "" is the rules_dir of .reviewer.yaml, else DefaultRulesDir.
	RulesDir string
}

// ExampleHeading opens the section KindExample writes into a rule's text; a later
// proposal for the same rule replaces the section.
const ExampleHeading = "## Do not flag (learned from dismissals)"

// maxPlaces bounds the places an example section lists; maxPlace bounds one, in bytes.
const (
	maxPlaces = 10
	maxPlace  = 200
)

// Apply writes the proposals into the repository's rules files, read from fsys (the
// repository at its base revision): a rule of the repository's own rules files is
// edited where it is; a built-in rule gets a rules file of its own in the rules
// directory that overrides it (a repository rule with a built-in rule's id replaces it),
// starting from the built-in text. A rule imported from another tool's instructions
// file is not edited (those files are not ours to rewrite): an error says so, and the
// other proposals are applied. Every file written must parse as a rule again.
func Apply(fsys fs.FS, set *rules.Set, ps []Proposal, opts Options) ([]FileEdit, error) {
	rulesDir := rules.DefaultRulesDir
	if data, err := fs.ReadFile(fsys, rules.SettingsFile); err == nil {
		s, err := rules.ParseSettings(rules.SettingsFile, data)
		if err != nil {
			return nil, err
		}
		if s.RulesDir != "" {
			rulesDir = s.RulesDir
		}
	}
	if opts.RulesDir != "" {
		rulesDir = opts.RulesDir
	}
	var (
		edits []FileEdit
		errs  []error
	)
	find := func(p string) int {
		return slices.IndexFunc(edits, func(e FileEdit) bool { return e.Path == p })
	}
	for _, p := range ps {
		r := set.Rule(p.RuleID)
		if r == nil {
			errs = append(errs, fmt.Errorf("rule %q: not in the repository's rules", p.RuleID))
			continue
		}
		target, content, isNew, err := ruleFile(fsys, r, rulesDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		i := find(target)
		if i < 0 {
			e := FileEdit{Path: target, New: content}
			if !isNew {
				e.Old = content
			}
			edits = append(edits, e)
			i = len(edits) - 1
		}
		out, err := edit(edits[i].New, p, opts)
		if err == nil {
			err = check(target, out, p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %q in %s: %w", p.RuleID, target, err))
			continue
		}
		edits[i].New = out
		edits[i].Rules = append(edits[i].Rules, p.RuleID)
	}
	edits = slices.DeleteFunc(edits, func(e FileEdit) bool { return len(e.Rules) == 0 })
	return edits, errors.Join(errs...)
}

// ruleFile returns the file a rule's edit goes into and its content now.
func ruleFile(fsys fs.FS, r *rules.Rule, rulesDir string) (target string, content []byte, isNew bool, err error) {
	if name, ok := strings.CutPrefix(r.Source, rules.BuiltinSource); ok {
		data, err := rules.BuiltinFile(name)
		if err != nil {
			return "", nil, false, err
		}
		target = path.Join(rulesDir, r.ID+".md")
		if _, err := fs.Stat(fsys, target); err == nil {
			return "", nil, false, fmt.Errorf("rule %q: %s exists but does not define it", r.ID, target)
		}
		front, rest, _ := strings.Cut(string(data), "\n")
		override := front + "\n# Overrides the built-in rule " + r.ID + " (reviewer learn).\n" + rest
		return target, []byte(override), true, nil
	}
	data, err := fs.ReadFile(fsys, r.Source)
	if err != nil {
		return "", nil, false, fmt.Errorf("rule %q: %w", r.ID, err)
	}
	if own, err := rules.Parse(r.Source, data); err != nil || own.ID != r.ID {
		return "", nil, false, fmt.Errorf("rule %q comes from %s, not a rules file of its own: edit it by hand", r.ID, r.Source)
	}
	return r.Source, data, false, nil
}

// check parses the edited file and makes sure it says what the proposal meant.
func check(name string, data []byte, p Proposal) error {
	r, err := rules.Parse(name, data)
	if err != nil {
		return fmt.Errorf("the edited file does not parse: %w", err)
	}
	ok := r.ID == p.RuleID
	switch p.Kind {
	case KindExclude:
		ok = ok && slices.Contains(r.Exclude, p.Exclude)
	case KindSeverity:
		ok = ok && r.Severity == p.To
	case KindExample:
		ok = ok && strings.Contains(r.Body, ExampleHeading)
	}
	if !ok {
		return fmt.Errorf("the edited file does not say %s", p.Kind)
	}
	return nil
}

// edit makes one proposal's change to a rules file's text, leaving the rest of it as it
// is.
func edit(data []byte, p Proposal, opts Options) ([]byte, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		return nil, errors.New("no front matter")
	}
	end := slices.IndexFunc(lines[1:], func(l string) bool { return strings.TrimRight(l, " \t") == "---" }) + 1
	if end == 0 {
		return nil, errors.New("front matter not closed")
	}
	var err error
	switch p.Kind {
	case KindExclude:
		lines, err = addExclude(lines, end, p.Exclude)
	case KindSeverity:
		lines = setKey(lines, end, "severity", p.To.String())
	case KindExample:
		lines = setExamples(lines, end, p, opts)
	default:
		err = fmt.Errorf("unknown kind %d", p.Kind)
	}
	if err != nil {
		return nil, err
	}
	return []byte(strings.Join(lines, "\n")), nil
}

var (
	keyLine  = regexp.MustCompile(`^([a-z_]+):\s*(.*)$`)
	itemLine = regexp.MustCompile(`^(\s+)-\s`)
)

// addExclude adds glob to the exclude list of the front matter that ends at line end:
// into a flow list ([a, b]) or a block list, or as a new key after paths.
func addExclude(lines []string, end int, glob string) ([]string, error) {
	quoted := strconv.Quote(glob)
	for i := 1; i < end; i++ {
		m := keyLine.FindStringSubmatch(lines[i])
		if m == nil || m[1] != "exclude" {
			continue
		}
		v := m[2]
		if strings.HasPrefix(v, "[") {
			j := strings.LastIndex(v, "]")
			if j < 0 {
				return nil, errors.New("exclude: a flow list over more than one line")
			}
			sep := ", "
			if strings.TrimSpace(v[1:j]) == "" {
				sep = ""
			}
			lines[i] = "exclude: " + v[:j] + sep + quoted + v[j:]
			return lines, nil
		}
		if v != "" && !strings.HasPrefix(v, "#") {
			return nil, errors.New("exclude: not a list")
		}
		last, indent := i, "  "
		for k := i + 1; k < end; k++ {
			im := itemLine.FindStringSubmatch(lines[k])
			if im == nil {
				break
			}
			last, indent = k, im[1]
		}
		return slices.Insert(lines, last+1, indent+"- "+quoted), nil
	}
	at := end
	for i := 1; i < end; i++ {
		if m := keyLine.FindStringSubmatch(lines[i]); m != nil && m[1] == "paths" {
			at = i + 1
			for at < end && itemLine.MatchString(lines[at]) {
				at++
			}
		}
	}
	return slices.Insert(lines, at, "exclude: ["+quoted+"]"), nil
}

// setKey sets a scalar key of the front matter, keeping a comment after it, or adds it
// at the end.
func setKey(lines []string, end int, key, value string) []string {
	for i := 1; i < end; i++ {
		m := keyLine.FindStringSubmatch(lines[i])
		if m == nil || m[1] != key {
			continue
		}
		comment := ""
		if j := strings.Index(m[2], " #"); j >= 0 {
			// Keep the comment in its column.
			comment = strings.Repeat(" ", max(0, j-len(value))) + m[2][j:]
		}
		lines[i] = key + ": " + value + comment
		return lines
	}
	return slices.Insert(lines, end, key+": "+value)
}

// setExamples writes (or rewrites) the rule's "Do not flag" section at the end of its
// text: the places of the dismissed findings, cleaned, masked and bounded, in a code
// block, so nothing in a path is read as Markdown or instructions.
func setExamples(lines []string, end int, p Proposal, opts Options) []string {
	body := lines[end+1:]
	if i := slices.Index(body, ExampleHeading); i >= 0 {
		j := i + 1
		for j < len(body) && !strings.HasPrefix(body[j], "## ") {
			j++
		}
		body = slices.Delete(slices.Clone(body), i, j)
	}
	for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
		body = body[:len(body)-1]
	}
	var places []string
	for _, d := range p.Evidence {
		pl := place(d, opts)
		if pl != "" && !slices.Contains(places, pl) {
			places = append(places, pl)
		}
	}
	more := 0
	if len(places) > maxPlaces {
		more, places = len(places)-maxPlaces, places[:maxPlaces]
	}
	fence := "```"
	for _, pl := range places {
		for strings.Contains(pl, fence) {
			fence += "`"
		}
	}
	sec := []string{"", ExampleHeading, "",
		fmt.Sprintf("%d findings of this rule were dismissed as false positives by %d people. "+
			"Code like that at these places is not a finding:", len(p.Evidence), len(p.People())),
		"", fence + "text"}
	sec = append(sec, places...)
	sec = append(sec, fence)
	if more > 0 {
		sec = append(sec, "", fmt.Sprintf("And %d more places.", more))
	}
	sec = append(sec, "")
	out := append(slices.Clone(lines[:end+1]), body...)
	return append(out, sec...)
}

// place is where a dismissed finding was, as one line of plain text.
func place(d Dismissal, opts Options) string {
	p := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, d.Path)
	if p == "" {
		return ""
	}
	if opts.Mask != nil {
		p = opts.Mask(p)
	}
	if len(p) > maxPlace {
		n := maxPlace
		for n > 0 && p[n]&0xC0 == 0x80 {
			n--
		}
		p = p[:n] + "…"
	}
	if d.Line > 0 {
		p += ":" + strconv.Itoa(d.Line)
	}
	return p
}

// Diff is the unified diff of the edits, as `git apply` reads it.
func Diff(edits []FileEdit) string {
	var b strings.Builder
	for _, e := range edits {
		from := "a/" + e.Path
		if e.Old == nil {
			from = "/dev/null"
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", e.Path, e.Path)
		if e.Old == nil {
			b.WriteString("new file mode 100644\n")
		}
		b.WriteString(udiff.Unified(from, "b/"+e.Path, string(e.Old), string(e.New)))
	}
	return b.String()
}
