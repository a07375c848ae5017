package report_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/report"
	"github.com/reviewerbot/reviewer/rules"
)

// cqIssue is one entry of a Code Quality report, with the fields
// testdata/schemas/gitlab-codequality.md lists as read by GitLab.
type cqIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin *int `json:"begin"`
			End   *int `json:"end"`
		} `json:"lines"`
	} `json:"location"`
}

var cqFingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkCodeQuality decodes a Code Quality report and checks every entry has the fields
// GitLab reads, with valid values, and that no two share a fingerprint.
func checkCodeQuality(t *testing.T, out []byte) []cqIssue {
	t.Helper()
	var raw []map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("report is not a JSON array of objects: %v", err)
	}
	var issues []cqIssue
	if err := json.Unmarshal(out, &issues); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, is := range issues {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity", "location"} {
			if _, ok := raw[i][k]; !ok {
				t.Errorf("issue %d: no %q", i, k)
			}
		}
		if is.Description == "" || is.CheckName == "" {
			t.Errorf("issue %d: empty description %q or check_name %q", i, is.Description, is.CheckName)
		}
		if !cqFingerprintRE.MatchString(is.Fingerprint) {
			t.Errorf("issue %d: fingerprint %q is not 32 hex digits", i, is.Fingerprint)
		}
		if j, dup := seen[is.Fingerprint]; dup {
			t.Errorf("issues %d and %d share fingerprint %s: GitLab would show only one", j, i, is.Fingerprint)
		}
		seen[is.Fingerprint] = i
		if !slices.Contains([]string{"info", "minor", "major", "critical", "blocker"}, is.Severity) {
			t.Errorf("issue %d: severity %q", i, is.Severity)
		}
		if is.Location.Path == "" || is.Location.Path[0] == '/' || len(is.Location.Path) > 1 && is.Location.Path[:2] == "./" {
			t.Errorf("issue %d: path %q is not repository-relative", i, is.Location.Path)
		}
		switch b, e := is.Location.Lines.Begin, is.Location.Lines.End; {
		case b == nil || *b < 1:
			t.Errorf("issue %d: lines.begin %v", i, b)
		case e != nil && *e <= *b:
			t.Errorf("issue %d: lines.end %d not after begin %d", i, *e, *b)
		}
	}
	return issues
}

func TestCodeQualityValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  *reviewer.Result
	}{
		{"sample", sampleResult()},
		{"big", bigResult()},
		{"empty", &reviewer.Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			issues := checkCodeQuality(t, render(t, report.FormatCodeQuality, tt.res, report.Options{}))
			if len(issues) != len(tt.res.Findings) {
				t.Errorf("%d issues, want one a finding (%d)", len(issues), len(tt.res.Findings))
			}
		})
	}
}

func TestCodeQualityFingerprints(t *testing.T) {
	t.Parallel()
	finding := func(line int, fp string) reviewer.Finding {
		return reviewer.Finding{
			Path: "pkg/a.go", Line: line, EndLine: line, Severity: rules.SeverityWarning,
			RuleID: "go-wrap-errors", Message: "Wrap the error.", Fingerprint: fp,
		}
	}
	fingerprints := func(t *testing.T, fs ...reviewer.Finding) []string {
		t.Helper()
		issues := checkCodeQuality(t, render(t, report.FormatCodeQuality, &reviewer.Result{Findings: fs}, report.Options{}))
		var out []string
		for _, is := range issues {
			out = append(out, is.Fingerprint)
		}
		return out
	}

	t.Run("identical findings on two lines", func(t *testing.T) {
		t.Parallel()
		// The same problem twice: the pipeline's fingerprint does not include the line.
		got := fingerprints(t, finding(10, "same"), finding(20, "same"))
		if len(got) != 2 || got[0] == got[1] {
			t.Errorf("fingerprints %v, want two different ones", got)
		}
	})
	t.Run("identical findings without fingerprint", func(t *testing.T) {
		t.Parallel()
		got := fingerprints(t, finding(10, ""), finding(20, ""))
		if len(got) != 2 || got[0] == got[1] {
			t.Errorf("fingerprints %v, want two different ones", got)
		}
	})
	t.Run("stable under line shifts", func(t *testing.T) {
		t.Parallel()
		before := fingerprints(t, finding(10, "a"), finding(20, "same"), finding(30, "same"))
		after := fingerprints(t, finding(14, "a"), finding(24, "same"), finding(34, "same"))
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("fingerprints changed when lines moved (-before +after):\n%s", diff)
		}
		derivedBefore := fingerprints(t, finding(10, ""))
		derivedAfter := fingerprints(t, finding(99, ""))
		if diff := cmp.Diff(derivedBefore, derivedAfter); diff != "" {
			t.Errorf("derived fingerprint changed when lines moved (-before +after):\n%s", diff)
		}
	})
	t.Run("an ordinal cannot collide with another fingerprint", func(t *testing.T) {
		t.Parallel()
		got := fingerprints(t, finding(1, "x"), finding(2, "x"), finding(3, "x\x001"), finding(4, "x\x002"))
		slices.Sort(got)
		if len(slices.Compact(got)) != 4 {
			t.Errorf("fingerprints %v are not unique", got)
		}
	})
}

func TestCodeQualityMapping(t *testing.T) {
	t.Parallel()
	res := &reviewer.Result{Findings: []reviewer.Finding{
		{Path: "a.go", Line: 5, EndLine: 9, Severity: rules.SeverityError, RuleID: "r1", Message: "m1", Fingerprint: "1"},
		{Path: "a.go", Line: 12, EndLine: 12, Severity: rules.SeverityWarning, Message: "m2", Fingerprint: "2"},
		{Path: "a.go", Line: 30, EndLine: 31, Side: reviewer.SideOld, Severity: rules.SeverityInfo, RuleID: "r3", Message: "m3", Fingerprint: "3"},
	}}
	issues := checkCodeQuality(t, render(t, report.FormatCodeQuality, res, report.Options{}))
	type entry struct {
		Description, CheckName, Severity string
		Begin, End                       int
	}
	var got []entry
	for _, is := range issues {
		e := entry{Description: is.Description, CheckName: is.CheckName, Severity: is.Severity, Begin: *is.Location.Lines.Begin}
		if is.Location.Lines.End != nil {
			e.End = *is.Location.Lines.End
		}
		got = append(got, e)
	}
	want := []entry{
		{"m1", "r1", "major", 5, 9},
		{"m2", "reviewer/general", "minor", 12, 0},
		// Removed lines have no line in the new file: line 1, the lines in the description.
		{"On removed lines 30-31 of the old version: m3", "r3", "info", 1, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}
