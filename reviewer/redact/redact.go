package redact

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// Secret says what was masked and where, never what it was.
type Secret struct {
	// Rule is the detector that matched ("github-token"); it is also the name in the placeholder.
	Rule string
	// Hunk and Index locate the line in the file: f.Hunks[Hunk].Lines[Index], or
	// f.Hunks[Hunk].Section when Index is SectionIndex. Both are 0 for String.
	Hunk, Index int
	// Line is the line's number in the new file, or in the old file for a deleted line; 0
	// for a Section, whose line number the diff does not give. For String it is the
	// 1-based line number within the string.
	Line int
	// Start and End are the byte offsets of the masked text in the original line or Section.
	Start, End int
}

// SectionIndex is the Secret.Index of a secret in a hunk's Section, the text git copies
// after the closing @@ from a line above the hunk (any line that starts in column 0, so
// a secret as well as a function's name).
const SectionIndex = -1

// Rule is an extra detector given in Options.
type Rule struct {
	// ID names the rule in placeholders and Secrets: lower-case letters, digits and hyphens.
	ID string
	// Keywords are literal, case-sensitive substrings; Pattern runs only on lines holding one
	// of them. Without keywords Pattern runs on every line, which is slow on large diffs.
	Keywords []string
	// Pattern is an RE2 expression. Its first capture group, or the whole match when it has
	// none, is masked.
	Pattern string
}

// Options adds to the default detector set.
type Options struct {
	// Rules are extra detectors, run after the built-in ones.
	Rules []Rule
	// Allow holds RE2 expressions; a candidate secret that any of them matches in full is left
	// alone (known test fixtures, documented example keys).
	Allow []string
}

// Redactor masks secrets in diff lines and text. It is compiled once and is safe for
// concurrent use.
type Redactor struct {
	rs    *ruleSet
	extra []extraRule
	allow []*regexp.Regexp
}

type extraRule struct {
	id       string
	keywords []string
	re       *regexp.Regexp
}

// New returns a Redactor with the built-in detectors.
func New() *Redactor {
	rs, err := defaultRules()
	if err != nil {
		panic(err) // the embedded tables are tested; a broken one is a programmer error
	}
	return &Redactor{rs: rs}
}

// NewWithOptions returns a Redactor with the built-in detectors plus those of opts.
func NewWithOptions(opts Options) (*Redactor, error) {
	rs, err := defaultRules()
	if err != nil {
		return nil, err
	}
	r := &Redactor{rs: rs}
	for i, rule := range opts.Rules {
		if !validID(rule.ID) {
			return nil, fmt.Errorf("rule %d: id %q: want lower-case letters, digits and hyphens", i, rule.ID)
		}
		re, err := regexp.Compile(rule.Pattern)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", rule.ID, err)
		}
		r.extra = append(r.extra, extraRule{id: rule.ID, keywords: rule.Keywords, re: re})
	}
	for i, a := range opts.Allow {
		re, err := regexp.Compile(`^(?:` + a + `)$`)
		if err != nil {
			return nil, fmt.Errorf("allow %d: %w", i, err)
		}
		r.allow = append(r.allow, re)
	}
	return r, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// File returns a copy of f whose line contents have secrets replaced by placeholders such as
// «redacted:github-token#1», and what was masked. Hunk sections are redacted too. The same
// value found by the same rule gets the same number within one file, so the model can
// still tell two secrets apart. A renamed file is read in config mode when either of its
// paths is a config file's (.env renamed to deploy/prod.txt still holds KEY=value
// literals). f is not modified. The copy has its own Hunks slice; a hunk with a secret
// gets its own Lines, while a hunk without one shares its Lines with f, so both must be
// treated as read-only, as the pipeline treats every parsed diff. Whether the file should
// be sent at all is WithheldFile's question, not File's.
func (r *Redactor) File(f *diff.File) (*diff.File, []Secret) {
	out := *f
	out.Hunks = make([]diff.Hunk, len(f.Hunks))
	var (
		st      = scanner{r: r, path: f.Path(), config: configMode(f.Path()) || f.OldPath != "" && configMode(f.OldPath)}
		oldSide blockState
		newSide blockState
		secrets []Secret
	)
	for hi := range f.Hunks {
		h := &f.Hunks[hi]
		out.Hunks[hi] = *h
		if h.Section != "" {
			// A section is a line from above the hunk, below the one before: inside a
			// key block that an earlier hunk left open, it is key text. A key body line
			// is a line git may take for a section (it starts in column 0 with a
			// letter), so one is masked whatever the state. The section neither opens
			// nor closes the block the hunk's own lines are in.
			side := blockState{in: oldSide.in || newSide.in}
			var pre span
			if kl := classifyKeyLine(h.Section); kl.class == keyFull || side.in && kl.class == keyShort {
				pre = span{kl.start, kl.end, "private-key", prioKey}
			}
			text, found := st.line(h.Section, [2]*blockState{&side}, pre)
			if len(found) > 0 {
				out.Hunks[hi].Section = text
			}
			for _, s := range found {
				secrets = append(secrets, Secret{Rule: s.rule, Hunk: hi, Index: SectionIndex, Start: s.start, End: s.end})
			}
		}
		var (
			bodies     []span
			bodiesDone bool
			lines      []diff.Line // copied on the first secret in the hunk
		)
		for li := range h.Lines {
			ln := &h.Lines[li]
			// Key bodies are judged over the whole hunk, from the first line that could
			// be one; classifying here, as the line is scanned, keeps the common case
			// (no such line) to one pass over the text.
			if !bodiesDone && classifyKeyLine(ln.Content).class != keyNone {
				bodies, bodiesDone = st.keyBodies(h.Lines, li), true
			}
			// The old file is context plus deleted lines, the new file context plus added
			// lines: a multi-line key block is followed on each side separately.
			var sides [2]*blockState
			num := ln.NewLine
			switch ln.Kind {
			case diff.Added:
				sides = [2]*blockState{&newSide}
			case diff.Deleted:
				sides = [2]*blockState{&oldSide}
				num = ln.OldLine
			default:
				sides = [2]*blockState{&newSide, &oldSide}
			}
			var pre span
			if bodies != nil {
				pre = bodies[li]
			}
			text, found := st.line(ln.Content, sides, pre)
			if len(found) == 0 {
				continue
			}
			if lines == nil {
				lines = make([]diff.Line, len(h.Lines))
				copy(lines, h.Lines)
				out.Hunks[hi].Lines = lines
			}
			lines[li].Content = text
			for _, s := range found {
				secrets = append(secrets, Secret{Rule: s.rule, Hunk: hi, Index: li, Line: num, Start: s.start, End: s.end})
			}
		}
	}
	return &out, secrets
}

// String returns s with secrets replaced by placeholders, and what was masked. It is meant
// for titles, descriptions and other free text, and treats s as code rather than config: an
// unquoted value after "password:" is masked only when it looks like a secret.
func (r *Redactor) String(s string) (string, []Secret) {
	st := scanner{r: r}
	var (
		side    blockState
		b       strings.Builder
		secrets []Secret
		changed bool
		bodies  = st.textKeyBodies(s)
	)
	for n, rest := 1, s; ; n++ {
		line, tail, more := strings.Cut(rest, "\n")
		var pre span
		if bodies != nil {
			pre = bodies[n-1]
		}
		text, found := st.line(line, [2]*blockState{&side}, pre)
		if len(found) > 0 && !changed {
			changed = true
			b.Grow(len(s) + 64)
			b.WriteString(s[:len(s)-len(rest)])
		}
		if changed {
			b.WriteString(text)
			if more {
				b.WriteByte('\n')
			}
		}
		for _, f := range found {
			secrets = append(secrets, Secret{Rule: f.rule, Line: n, Start: f.start, End: f.end})
		}
		if !more {
			break
		}
		rest = tail
	}
	if !changed {
		return s, nil
	}
	return b.String(), secrets
}

// span is a stretch of a line to mask.
type span struct {
	start, end int
	rule       string
	prio       int // higher wins when spans overlap: specific token rules beat generic ones
}

const (
	prioGeneric = iota
	prioURL
	prioExtra
	prioToken
	prioKey
)

// scanner holds the state of one File or String call.
type scanner struct {
	r      *Redactor
	config bool
	// path is the file's, for formats that hold in some files only; "" for text.
	path string
	// depth counts decodings: a scanner of decoded base64 is one deeper.
	depth int
	spans []span
	// Buffers of the format scan and of base64Secrets.
	formats       formatScan
	b64in, b64out []byte
	// seen numbers the distinct values per rule; keys point into the input, not copies.
	seen  map[seenKey]int
	count map[string]int
	// Buffers of keyBodies.
	cls  []keyLine
	seq  []int
	mark []bool
}

type seenKey struct{ rule, value string }

// keyBodies returns, per line of a hunk, the key body found by the lines' layout
// (markKeyBodies), each side of the hunk read on its own, or nil. first is the first
// line that classifyKeyLine does not call keyNone.
func (st *scanner) keyBodies(lines []diff.Line, first int) []span {
	st.cls = st.cls[:0]
	for i := range lines {
		var kl keyLine
		if i >= first {
			kl = classifyKeyLine(lines[i].Content)
			if kl.class == keyNone && isKeyEnd(lines[i].Content) {
				kl.class = keyEnd
			}
		}
		st.cls = append(st.cls, kl)
	}
	st.mark = append(st.mark[:0], make([]bool, len(lines))...)
	for _, skip := range []diff.LineKind{diff.Deleted, diff.Added} {
		st.seq = st.seq[:0]
		for i := range lines {
			if lines[i].Kind != skip {
				st.seq = append(st.seq, i)
			}
		}
		markKeyBodies(st.cls, st.seq, st.mark)
	}
	return st.bodySpans()
}

// textKeyBodies is keyBodies for the lines of a text.
func (st *scanner) textKeyBodies(s string) []span {
	st.cls = st.cls[:0]
	found := false
	for rest := s; ; {
		line, tail, more := strings.Cut(rest, "\n")
		kl := classifyKeyLine(line)
		st.cls = append(st.cls, kl)
		found = found || kl.class == keyFull || kl.class == keyShort
		if !more {
			break
		}
		rest = tail
	}
	if !found {
		return nil
	}
	for i, rest := 0, s; ; i++ {
		line, tail, more := strings.Cut(rest, "\n")
		if st.cls[i].class == keyNone && isKeyEnd(line) {
			st.cls[i].class = keyEnd
		}
		if !more {
			break
		}
		rest = tail
	}
	st.mark = append(st.mark[:0], make([]bool, len(st.cls))...)
	st.seq = st.seq[:0]
	for i := range st.cls {
		st.seq = append(st.seq, i)
	}
	markKeyBodies(st.cls, st.seq, st.mark)
	return st.bodySpans()
}

func (st *scanner) bodySpans() []span {
	var out []span
	for i, m := range st.mark {
		if !m {
			continue
		}
		if out == nil {
			out = make([]span, len(st.mark))
		}
		out[i] = span{st.cls[i].start, st.cls[i].end, "private-key", prioKey}
	}
	return out
}

// line masks one line; pre, unless empty, is a span found beforehand from the lines around
// it. The returned spans are in terms of the original line.
func (st *scanner) line(s string, sides [2]*blockState, pre span) (string, []span) {
	st.spans = st.spans[:0]
	if pre.end > pre.start {
		st.spans = append(st.spans, pre)
	}
	// Detectors rescan text only in contrived lines (sk-sk-sk-…, token=token=…); a
	// budget keeps the cost linear, and a line that exhausts it is masked whole, so that
	// a crafted line can neither stall the review nor carry a secret past the scan.
	work := 8*len(s) + 4096
	st.spans = st.r.rs.find(s, st.path, &st.formats, st.spans, &work)
	st.spans = privateKeys(s, strings.Contains(s, "-----BEGIN"), sides, st.spans)
	st.spans = st.base64Secrets(s, st.spans, &work)
	if strings.Contains(s, "://") {
		st.spans = urlPasswords(s, st.spans)
	}
	st.spans = assignments(s, st.config, st.spans, &work)
	if st.config {
		st.spans = envEntropy(s, st.spans)
	}
	for _, x := range st.r.extra {
		st.spans = x.find(s, st.spans)
	}
	if work < 0 {
		st.spans = append(st.spans[:0], span{0, len(s), "unscannable-line", prioKey + 1})
	}
	if len(st.spans) == 0 {
		return s, nil
	}
	spans := merge(st.spans)
	if len(st.r.allow) > 0 {
		spans = st.r.allowed(s, spans)
		if len(spans) == 0 {
			return s, nil
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 32*len(spans))
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp.start])
		b.WriteString(st.placeholder(sp.rule, s[sp.start:sp.end]))
		prev = sp.end
	}
	b.WriteString(s[prev:])
	out := make([]span, len(spans))
	copy(out, spans)
	return b.String(), out
}

func (x *extraRule) find(s string, spans []span) []span {
	if len(x.keywords) > 0 {
		hit := false
		for _, k := range x.keywords {
			if strings.Contains(s, k) {
				hit = true
				break
			}
		}
		if !hit {
			return spans
		}
	}
	for _, m := range x.re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if len(m) >= 4 && m[2] >= 0 {
			start, end = m[2], m[3]
		}
		if end > start && !isPlaceholderAt(s, start) {
			spans = append(spans, span{start, end, x.id, prioExtra})
		}
	}
	return spans
}

func (r *Redactor) allowed(s string, spans []span) []span {
	out := spans[:0]
	for _, sp := range spans {
		keep := true
		for _, a := range r.allow {
			if a.MatchString(s[sp.start:sp.end]) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, sp)
		}
	}
	return out
}

// placeholder returns «redacted:rule#n», n counting the distinct values of rule.
func (st *scanner) placeholder(rule, value string) string {
	if st.seen == nil {
		st.seen = make(map[seenKey]int)
		st.count = make(map[string]int)
	}
	k := seenKey{rule, value}
	n, ok := st.seen[k]
	if !ok {
		st.count[rule]++
		n = st.count[rule]
		st.seen[k] = n
	}
	return placeholderOpen + rule + "#" + strconv.Itoa(n) + placeholderClose
}

const (
	placeholderOpen  = "«redacted:"
	placeholderClose = "»"
)

func isPlaceholderAt(s string, i int) bool { return strings.HasPrefix(s[i:], placeholderOpen) }

// skipPlaceholder returns the end of the placeholder starting at s[i], or i+1 if there is none.
func skipPlaceholder(s string, i int) int {
	if !isPlaceholderAt(s, i) {
		return i + 1
	}
	if e := strings.Index(s[i:], placeholderClose); e >= 0 {
		return i + e + len(placeholderClose)
	}
	return len(s)
}

// merge sorts spans and joins overlapping ones; the joined span takes the rule of the
// highest-priority part.
func merge(spans []span) []span {
	if len(spans) > 1 {
		sort.Slice(spans, func(i, j int) bool {
			if spans[i].start != spans[j].start {
				return spans[i].start < spans[j].start
			}
			return spans[i].prio > spans[j].prio
		})
	}
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.start < out[n-1].end {
			last := &out[n-1]
			// A private key's mask leaves its BEGIN and END markers readable on purpose:
			// a generic match over the same string must not widen it.
			if last.prio == prioKey && sp.prio < prioKey {
				continue
			}
			if sp.prio == prioKey && last.prio < prioKey && last.start <= sp.start && sp.end <= last.end {
				*last = sp
				continue
			}
			if sp.end > last.end {
				last.end = sp.end
			}
			if sp.prio > last.prio {
				last.rule, last.prio = sp.rule, sp.prio
			}
			continue
		}
		out = append(out, sp)
	}
	return out
}

// configMode reports whether path is a config or script file, where an unquoted value after
// "password=" or "token:" is a literal rather than a variable.
func configMode(p string) bool {
	p = strings.ToLower(p)
	base := p[strings.LastIndexByte(p, '/')+1:]
	switch {
	case strings.HasPrefix(base, ".env"), strings.HasSuffix(base, ".env"),
		base == "dockerfile", strings.HasPrefix(base, "dockerfile."), strings.HasSuffix(base, ".dockerfile"),
		base == "makefile", base == "procfile":
		return true
	}
	dot := strings.LastIndexByte(base, '.')
	if dot < 0 {
		return false
	}
	switch base[dot+1:] {
	case "yaml", "yml", "properties", "ini", "cfg", "conf", "cnf", "toml", "env",
		"sh", "bash", "zsh", "ksh", "mk", "service", "tfvars", "example", "sample", "template", "dist":
		return true
	}
	return false
}
