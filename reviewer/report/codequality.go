package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// A Code Quality issue: the subset of the Code Climate engine format that GitLab's
// merge-request widget reads (docs.gitlab.com/ci/testing/code_quality/, "Code Quality report
// format").
type cqIssue struct {
	Description string     `json:"description"`
	CheckName   string     `json:"check_name"`
	Fingerprint string     `json:"fingerprint"`
	Severity    string     `json:"severity"`
	Location    cqLocation `json:"location"`
}

type cqLocation struct {
	Path  string  `json:"path"`
	Lines cqLines `json:"lines"`
}

type cqLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// writeCodeQuality renders res as a GitLab Code Quality report: a JSON array with one issue a
// finding, in report order.
//
// GitLab shows only the first issue of each fingerprint and compares fingerprints between
// the source and target branch reports, so each fingerprint is a SHA-256 (32 hex digits, the
// documented shape) of the finding's own fingerprint, which survives line shifts. Findings
// that share one (the same problem on two lines) are told apart by their ordinal among
// equals, which a line shift does not change either.
//
// A finding on removed lines (side old) has no line in the new file, and the report has
// nowhere else to keep it: it is reported on line 1 of its file, its description naming
// the removed lines. Unplaced findings and the coverage ledger are not part of this format;
// the summary comment and the JSON report carry them.
func writeCodeQuality(w io.Writer, res *reviewer.Result) error {
	issues := make([]cqIssue, 0, len(res.Findings))
	used := make(map[string]struct{}, len(res.Findings))
	seen := make(map[string]int, len(res.Findings))
	for _, f := range ordered(res) {
		fp := fingerprint(f)
		n := seen[fp]
		seen[fp] = n + 1
		id := cqFingerprint(fp, n)
		for _, dup := used[id]; dup; _, dup = used[id] {
			n++
			id = cqFingerprint(fp, n)
		}
		used[id] = struct{}{}

		is := cqIssue{
			Description: f.Message,
			CheckName:   sarifRuleID(f),
			Fingerprint: id,
			Severity:    cqSeverity(f.Severity),
			Location:    cqLocation{Path: strings.TrimPrefix(f.Path, "./"), Lines: cqLines{Begin: max(f.Line, 1)}},
		}
		switch {
		case isOld(f):
			is.Description = "On removed lines " + lineRange(f) + " of the old version: " + f.Message
			is.Location.Lines.Begin = 1
		case endLine(f) > f.Line && f.Line >= 1:
			is.Location.Lines.End = endLine(f)
		}
		issues = append(issues, is)
	}
	return encodeJSON(w, issues)
}

// cqFingerprint derives the n-th (from 0) issue fingerprint of a finding fingerprint.
func cqFingerprint(fp string, n int) string {
	h := sha256.New()
	h.Write([]byte(fp))
	if n > 0 {
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(n)))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// cqSeverity maps a severity onto GitLab's scale. An error is "major": it may block the
// change (--fail-on), but "critical" and "blocker" are left for what a team ranks above
// its own rules.
func cqSeverity(s rules.Severity) string {
	switch {
	case s >= rules.SeverityError:
		return "major"
	case s == rules.SeverityWarning:
		return "minor"
	}
	return "info"
}
