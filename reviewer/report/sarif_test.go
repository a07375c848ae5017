package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/report"
	"github.com/reviewerbot/reviewer/rules"
)

// sarifSchemaPath is the OASIS SARIF 2.1.0 schema (see testdata/README.md, "schemas/").
var sarifSchemaPath = filepath.Join("..", "..", "testdata", "schemas", "sarif-schema-2.1.0.json")

// sarifSchema compiles the SARIF schema once for all tests, with format assertions on
// ("uri", "uri-reference", ...), which draft-04 otherwise leaves as annotations.
var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	abs, err := filepath.Abs(sarifSchemaPath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	loc := "file://" + filepath.ToSlash(abs)
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
})

// validateSARIF checks doc against the SARIF 2.1.0 schema.
func validateSARIF(t *testing.T, doc []byte) error {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("compile SARIF schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}

// sarifDoc is the part of a SARIF log that the code scanning checks read.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription *struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine   int `json:"startLine"`
						EndLine     int `json:"endLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
		Invocations []struct {
			ExecutionSuccessful        bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Properties struct {
			Coverage struct {
				Complete    bool `json:"complete"`
				NotReviewed []struct {
					Path    string `json:"path"`
					Outcome string `json:"outcome"`
				} `json:"notReviewed"`
			} `json:"reviewer/coverage"`
			NotLocated []struct {
				Path string `json:"path"`
				Side string `json:"side"`
			} `json:"reviewer/notLocated"`
		} `json:"properties"`
	} `json:"runs"`
}

// checkCodeScanning checks what GitHub code scanning needs beyond the schema: one run with
// a tool name; every result names a rule that exists at its ruleIndex, has a level, a
// message, exactly one location with a relative, escaped URI under %SRCROOT% and a
// startLine, and a partialFingerprints entry of ours.
func checkCodeScanning(doc []byte) error {
	var d sarifDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return err
	}
	var errs []error
	if d.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || d.Version != "2.1.0" {
		errs = append(errs, fmt.Errorf("$schema %q version %q", d.Schema, d.Version))
	}
	if len(d.Runs) != 1 {
		return errors.Join(append(errs, fmt.Errorf("%d runs, want 1", len(d.Runs)))...)
	}
	run := d.Runs[0]
	if run.Tool.Driver.Name == "" {
		errs = append(errs, errors.New("no tool.driver.name"))
	}
	ids := map[string]bool{}
	for i, r := range run.Tool.Driver.Rules {
		if ids[r.ID] {
			errs = append(errs, fmt.Errorf("rules[%d]: duplicate id %q", i, r.ID))
		}
		ids[r.ID] = true
		if r.ShortDescription == nil || r.ShortDescription.Text == "" {
			errs = append(errs, fmt.Errorf("rules[%d] %q: no shortDescription", i, r.ID))
		}
	}
	used := map[string]bool{}
	for i, res := range run.Results {
		used[res.RuleID] = true
		switch {
		case res.RuleIndex == nil:
			errs = append(errs, fmt.Errorf("results[%d]: no ruleIndex", i))
		case *res.RuleIndex < 0 || *res.RuleIndex >= len(run.Tool.Driver.Rules):
			errs = append(errs, fmt.Errorf("results[%d]: ruleIndex %d out of range", i, *res.RuleIndex))
		case run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID:
			errs = append(errs, fmt.Errorf("results[%d]: ruleIndex %d is rule %q, ruleId is %q", i, *res.RuleIndex, run.Tool.Driver.Rules[*res.RuleIndex].ID, res.RuleID))
		}
		if res.Level == "" || res.Message.Text == "" {
			errs = append(errs, fmt.Errorf("results[%d]: level %q message %q", i, res.Level, res.Message.Text))
		}
		if res.PartialFingerprints[report.FingerprintKey] == "" {
			errs = append(errs, fmt.Errorf("results[%d]: no partialFingerprints[%q]", i, report.FingerprintKey))
		}
		if len(res.Locations) != 1 {
			errs = append(errs, fmt.Errorf("results[%d]: %d locations, want 1", i, len(res.Locations)))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		if err := checkRelativeURI(pl.ArtifactLocation.URI); err != nil {
			errs = append(errs, fmt.Errorf("results[%d]: %w", i, err))
		}
		if pl.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			errs = append(errs, fmt.Errorf("results[%d]: uriBaseId %q", i, pl.ArtifactLocation.URIBaseID))
		}
		if pl.Region == nil || pl.Region.StartLine < 1 {
			errs = append(errs, fmt.Errorf("results[%d]: no region startLine", i))
		} else if pl.Region.StartColumn != 0 {
			errs = append(errs, fmt.Errorf("results[%d]: startColumn %d, but byte columns cannot be UTF-16 columns", i, pl.Region.StartColumn))
		}
	}
	for id := range ids {
		if !used[id] {
			errs = append(errs, fmt.Errorf("rule %q is used by no result", id))
		}
	}
	return errors.Join(errs...)
}

// checkRelativeURI checks that u is a relative-path reference made only of unreserved
// characters, "/" and percent escapes, that no scheme or leading "/" makes it absolute.
func checkRelativeURI(u string) error {
	if u == "" || strings.HasPrefix(u, "/") {
		return fmt.Errorf("uri %q is not a relative path", u)
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/%", c) >= 0
		if !ok {
			return fmt.Errorf("uri %q has an unescaped %q", u, c)
		}
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("uri %q: %w", u, err)
	}
	if parsed.IsAbs() || parsed.Host != "" {
		return fmt.Errorf("uri %q is absolute", u)
	}
	return nil
}

func TestSARIFValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  *reviewer.Result
		opts report.Options
	}{
		{"sample", sampleResult(), testOptions},
		{"empty", &reviewer.Result{}, report.Options{}},
		{"big", bigResult(), report.Options{ToolName: "reviewer"}},
		{"unknown rule", &reviewer.Result{Findings: []reviewer.Finding{{
			Path: "a.go", Line: 3, EndLine: 1, RuleID: "not-in-rule-set", Message: "m", Fingerprint: "f",
		}}}, report.Options{}},
		{"odd severity and no fingerprint", &reviewer.Result{Findings: []reviewer.Finding{{
			Path: "a.go", Line: 3, Severity: rules.Severity(7), Message: "",
		}}}, report.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := render(t, report.FormatSARIF, tt.res, tt.opts)
			if err := validateSARIF(t, doc); err != nil {
				t.Errorf("SARIF does not match the 2.1.0 schema: %v", err)
			}
			if err := checkCodeScanning(doc); err != nil {
				t.Errorf("SARIF breaks code scanning rules:\n%v", err)
			}
		})
	}
}

// TestSARIFChecksFail makes sure the schema and the code scanning checks can fail: each
// case breaks a valid report in one way.
func TestSARIFChecksFail(t *testing.T) {
	t.Parallel()
	good := render(t, report.FormatSARIF, sampleResult(), testOptions)
	tests := []struct {
		name       string
		edit       func(log map[string]any)
		wantSchema bool // the schema must reject it; otherwise the code scanning checks must
	}{
		{"no version", func(log map[string]any) { delete(log, "version") }, true},
		{"bad level", func(log map[string]any) { result(log, 0)["level"] = "fatal" }, true},
		{"line 0", func(log map[string]any) { region(log, 0)["startLine"] = 0 }, true},
		{"message without text", func(log map[string]any) { result(log, 0)["message"] = map[string]any{} }, true},
		{"unknown top-level key", func(log map[string]any) { log["findings"] = []any{} }, true},
		{"uri not a uri reference", func(log map[string]any) { artifact(log, 0)["uri"] = `a\b.go` }, true},
		{"ruleIndex off by one", func(log map[string]any) { result(log, 0)["ruleIndex"] = 2 }, false},
		{"no partialFingerprints", func(log map[string]any) { delete(result(log, 0), "partialFingerprints") }, false},
		{"absolute uri", func(log map[string]any) { artifact(log, 0)["uri"] = "file:///src/cmd/server/main.go" }, false},
		{"unescaped space", func(log map[string]any) { artifact(log, 3)["uri"] = "docs/guide/getting started.md" }, false},
		{"unescaped non-ASCII", func(log map[string]any) { artifact(log, 4)["uri"] = "internal/i18n/übersetzung.go" }, false},
	}
	if err := validateSARIF(t, good); err != nil {
		t.Fatalf("the unbroken report is invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log map[string]any
			if err := json.Unmarshal(good, &log); err != nil {
				t.Fatal(err)
			}
			tt.edit(log)
			doc, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := validateSARIF(t, doc)
			if tt.wantSchema {
				if schemaErr == nil {
					t.Errorf("schema accepted the broken report")
				}
				return
			}
			if schemaErr != nil {
				t.Fatalf("schema rejected a report only code scanning should reject: %v", schemaErr)
			}
			if err := checkCodeScanning(doc); err == nil {
				t.Errorf("code scanning checks accepted the broken report")
			}
		})
	}
}

func result(log map[string]any, i int) map[string]any {
	return log["runs"].([]any)[0].(map[string]any)["results"].([]any)[i].(map[string]any)
}

func physical(log map[string]any, i int) map[string]any {
	return result(log, i)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
}

func region(log map[string]any, i int) map[string]any {
	return physical(log, i)["region"].(map[string]any)
}

func artifact(log map[string]any, i int) map[string]any {
	return physical(log, i)["artifactLocation"].(map[string]any)
}

func TestSARIFURIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, want string
	}{
		{"cmd/main.go", "cmd/main.go"},
		{"./cmd/main.go", "cmd/main.go"},
		{"docs/getting started.md", "docs/getting%20started.md"},
		{"i18n/übersetzung.go", "i18n/%C3%BCbersetzung.go"},
		{"i18n/日本.txt", "i18n/%E6%97%A5%E6%9C%AC.txt"},
		{"a:b/c.go", "a%3Ab/c.go"},
		{"100%/x#1?.go", "100%25/x%231%3F.go"},
		{"dir+plus/a&b=c.go", "dir%2Bplus/a%26b%3Dc.go"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res := &reviewer.Result{Findings: []reviewer.Finding{{Path: tt.path, Line: 1, Message: "m", Fingerprint: "f"}}}
			var d sarifDoc
			if err := json.Unmarshal(render(t, report.FormatSARIF, res, report.Options{}), &d); err != nil {
				t.Fatal(err)
			}
			got := d.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
			if got != tt.want {
				t.Errorf("uri = %q, want %q", got, tt.want)
			}
			if err := checkRelativeURI(got); err != nil {
				t.Error(err)
			}
			back, err := url.PathUnescape(got)
			if err != nil || back != strings.TrimPrefix(tt.path, "./") {
				t.Errorf("uri %q unescapes to %q, %v; want %q", got, back, err, tt.path)
			}
		})
	}
}

func TestSARIFContent(t *testing.T) {
	t.Parallel()
	var d sarifDoc
	if err := json.Unmarshal(render(t, report.FormatSARIF, sampleResult(), testOptions), &d); err != nil {
		t.Fatal(err)
	}
	run := d.Runs[0]

	var gotRules []string
	for _, r := range run.Tool.Driver.Rules {
		gotRules = append(gotRules, r.ID)
	}
	// Only rules used by a result; go-context-first is in the rule set but found nothing.
	wantRules := []string{"docs-relative-links", "go-wrap-errors", "no-hardcoded-secrets", "reviewer/general", "sql-no-string-concat"}
	if diff := cmp.Diff(wantRules, gotRules); diff != "" {
		t.Errorf("tool.driver.rules (-want +got):\n%s", diff)
	}

	type located struct {
		URI         string
		Start, End  int
		Level       string
		Fingerprint string
	}
	var got []located
	for _, r := range run.Results {
		pl := r.Locations[0].PhysicalLocation
		got = append(got, located{pl.ArtifactLocation.URI, pl.Region.StartLine, pl.Region.EndLine, r.Level, r.PartialFingerprints[report.FingerprintKey]})
	}
	// The old-side finding (token.go 30-33) is not a result.
	want := []located{
		{"cmd/server/main.go", 17, 19, "warning", "5d2a8f0e6c4b1a93"},
		{"cmd/server/main.go", 88, 0, "note", "0b7e55c3a1d94f28"},
		{"internal/auth/token.go", 42, 0, "error", "e4b9c07d21f3a856"},
		{"docs/guide/getting%20started.md", 5, 0, "note", "c38d6b1f9e0a4257"},
		{"internal/i18n/%C3%BCbersetzung.go", 23, 0, "warning", "2f6e0d8b4c7a9e15"},
		{"internal/store/query.go", 51, 0, "error", "9c1f4e2a7b3d5f60"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	props := run.Properties
	if props.Coverage.Complete {
		t.Errorf("coverage complete = true with a skipped and a failed file")
	}
	if len(props.Coverage.NotReviewed) != 7 {
		t.Errorf("coverage.notReviewed has %d files, want 7", len(props.Coverage.NotReviewed))
	}
	if len(props.NotLocated) != 1 || props.NotLocated[0].Side != "old" {
		t.Errorf("notLocated = %+v, want the old-side finding", props.NotLocated)
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful {
		t.Errorf("executionSuccessful = true with a failed file")
	}
	levels := map[string]int{}
	for _, n := range inv.ToolExecutionNotifications {
		levels[n.Level]++
	}
	// filtered x4, withheld, old-side finding, unplaced x5: notes; skipped: warning; failed: error.
	if diff := cmp.Diff(map[string]int{"note": 11, "warning": 1, "error": 1}, levels); diff != "" {
		t.Errorf("notification levels (-want +got):\n%s", diff)
	}
}

// TestSARIFSummaryOnlyIsNote: a finding of a rule not posted on its line (inline: false)
// is a note in SARIF, whatever its severity, so code scanning does not annotate the line
// as loudly as a line comment would; the rule keeps its severity, and the result says why.
func TestSARIFSummaryOnlyIsNote(t *testing.T) {
	t.Parallel()
	res := sampleResult()
	for i := range res.Findings {
		if res.Findings[i].RuleID == "go-wrap-errors" {
			res.Findings[i].SummaryOnly = true
		}
	}
	var d struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID     string `json:"id"`
						Config struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID     string `json:"ruleId"`
				Level      string `json:"level"`
				Properties struct {
					SummaryOnly bool `json:"summaryOnly"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, report.FormatSARIF, res, testOptions), &d); err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, r := range d.Runs[0].Results {
		levels[r.RuleID] = fmt.Sprintf("%s %v", r.Level, r.Properties.SummaryOnly)
	}
	if levels["go-wrap-errors"] != "note true" || levels["sql-no-string-concat"] != "error false" {
		t.Errorf("result levels %v, want the summary-only warning a note", levels)
	}
	for _, r := range d.Runs[0].Tool.Driver.Rules {
		if r.ID == "go-wrap-errors" && r.Config.Level != "warning" {
			t.Errorf("go-wrap-errors' default level %q, want its severity, warning", r.Config.Level)
		}
	}
}
