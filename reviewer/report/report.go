package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// Format names an output format of [Write].
type Format string

// The output formats.
const (
	FormatText        Format = "text"
	FormatJSON        Format = "json"
	FormatSARIF       Format = "sarif"
	FormatCodeQuality Format = "codequality"
)

// Formats returns every format [Write] accepts, in the order help text shows them.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatSARIF, FormatCodeQuality}
}

// ParseFormat reads a format name as a user types it (--format): text, json, sarif or
// codequality, in any case.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown report format %q (want text, json, sarif or codequality)", s)
}

// String returns the format's name.
func (f Format) String() string { return string(f) }

// Options are the settings of [Write]. The zero value is usable.
type Options struct {
	// ToolName names the tool in SARIF (tool.driver.name); "reviewer" when empty.
	ToolName string
	// ToolVersion is the tool's version in SARIF (tool.driver.version); left out when empty.
	ToolVersion string
	// InformationURI is the tool's home page in SARIF (tool.driver.informationUri); left out
	// when empty. It must be an absolute URI.
	InformationURI string
	// Reviewed says what was reviewed, for the text format's summary: "main...HEAD, 3
	// commits", a diff file's name, a change's URL. Left out when empty.
	Reviewed string
	// Color makes the text format highlight severities with ANSI escape sequences. The caller
	// decides (a terminal, NO_COLOR); the package never looks at the environment.
	Color bool
}

func (o Options) toolName() string {
	if o.ToolName == "" {
		return "reviewer"
	}
	return o.ToolName
}

// Write renders res in format f to w.
func Write(w io.Writer, f Format, res *reviewer.Result, opts Options) error {
	if res == nil {
		return errors.New("write report: nil result")
	}
	var err error
	switch f {
	case FormatText:
		err = writeText(w, res, opts)
	case FormatJSON:
		err = writeJSON(w, res)
	case FormatSARIF:
		err = writeSARIF(w, res, opts)
	case FormatCodeQuality:
		err = writeCodeQuality(w, res)
	default:
		return fmt.Errorf("write report: unknown format %q (want text, json, sarif or codequality)", string(f))
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}

// generalRuleID is the rule id reports use for a finding that names no rule, where the
// format needs one (SARIF ruleId, Code Quality check_name).
const generalRuleID = "reviewer/general"

// ordered returns the findings of res in report order: by the position of their file in the
// coverage ledger (files missing from it last, by path), then new side before old, then by
// line, end line, severity (most severe first), rule id, message and fingerprint. The
// pipeline may produce findings in any order (chunks run concurrently); reports must not.
func ordered(res *reviewer.Result) []*reviewer.Finding {
	pos := make(map[string]int, len(res.Coverage.Files))
	for i, fc := range res.Coverage.Files {
		if _, ok := pos[fc.Path]; !ok {
			pos[fc.Path] = i
		}
	}
	rank := func(path string) int {
		if i, ok := pos[path]; ok {
			return i
		}
		return len(res.Coverage.Files)
	}
	out := make([]*reviewer.Finding, len(res.Findings))
	for i := range res.Findings {
		out[i] = &res.Findings[i]
	}
	slices.SortStableFunc(out, func(a, b *reviewer.Finding) int {
		return cmp.Or(
			cmp.Compare(rank(a.Path), rank(b.Path)),
			strings.Compare(a.Path, b.Path),
			cmp.Compare(sideRank(a), sideRank(b)),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(endLine(a), endLine(b)),
			cmp.Compare(b.Severity, a.Severity),
			strings.Compare(a.RuleID, b.RuleID),
			strings.Compare(a.Message, b.Message),
			strings.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
	return out
}

// isOld reports whether f's lines refer to the old version of the file (removed lines).
func isOld(f *reviewer.Finding) bool { return f.Side == reviewer.SideOld }

func sideRank(f *reviewer.Finding) int {
	if isOld(f) {
		return 1
	}
	return 0
}

// side returns f's side, reading an unset side as new: the model and the pattern stage
// only say "old" when they mean it.
func side(f *reviewer.Finding) reviewer.Side {
	if isOld(f) {
		return reviewer.SideOld
	}
	return reviewer.SideNew
}

// endLine returns f's last line, never before its first.
func endLine(f *reviewer.Finding) int { return max(f.Line, f.EndLine) }

// fingerprint returns f's fingerprint, or, when the pipeline left it empty, one derived
// from what identifies the finding without its line (path, side, rule and message), so that
// it still survives unrelated edits above it.
func fingerprint(f *reviewer.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	h := sha256.New()
	for _, s := range []string{f.Path, string(side(f)), f.RuleID, f.Message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "derived:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// severityCounts counts findings by severity: errors, warnings, and everything else as info.
func severityCounts(fs []reviewer.Finding) (errs, warns, infos int) {
	for i := range fs {
		switch {
		case fs[i].Severity >= rules.SeverityError:
			errs++
		case fs[i].Severity == rules.SeverityWarning:
			warns++
		default:
			infos++
		}
	}
	return errs, warns, infos
}
