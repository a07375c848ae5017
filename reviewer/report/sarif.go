package report

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// SARIF constants. GitHub's "SARIF support for code scanning" page documents this $schema URI
// in its examples; the schema it names is the OASIS 2.1.0 schema (errata 01).
const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	// srcRoot is the uriBaseId every artifact location is relative to: the repository root.
	srcRoot = "%SRCROOT%"
	// FingerprintKey is the key of the finding's fingerprint in a SARIF result's
	// partialFingerprints (the JSON tag of sarifFingerprints spells it too). The version suffix changes if the fingerprint's recipe does, so
	// code scanning does not match alerts across incompatible recipes.
	FingerprintKey = "reviewerFingerprint/v1"
)

// The notification descriptors of tool.driver.notifications, by index.
const (
	notifyFileNotReviewed = iota
	notifyFindingNotLocated
)

var sarifNotificationDescriptors = []sarifRule{
	notifyFileNotReviewed: {
		ID:               "reviewer/file-not-reviewed",
		Name:             "FileNotReviewed",
		ShortDescription: &sarifText{Text: "A file of the change was not reviewed (filtered, withheld, skipped or failed)."},
	},
	notifyFindingNotLocated: {
		ID:               "reviewer/finding-not-located",
		Name:             "FindingNotLocated",
		ShortDescription: &sarifText{Text: "A finding has no line in the new version of a file (removed lines, or not placed on the diff), so it is not a result."},
	},
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
	Properties         sarifRunProperties               `json:"properties"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
	Notifications  []sarifRule `json:"notifications"`
}

// sarifRule is a reportingDescriptor: a rule, or a notification's descriptor.
type sarifRule struct {
	ID                   string               `json:"id"`
	Name                 string               `json:"name,omitempty"`
	ShortDescription     *sarifText           `json:"shortDescription,omitempty"`
	FullDescription      *sarifText           `json:"fullDescription,omitempty"`
	Help                 *sarifText           `json:"help,omitempty"`
	DefaultConfiguration *sarifConfiguration  `json:"defaultConfiguration,omitempty"`
	Properties           *sarifRuleProperties `json:"properties,omitempty"`
}

// sarifText is a multiformatMessageString or a message.
type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProperties struct {
	Tags []string `json:"tags"`
	// Source says where the rule came from (a rules file, or builtin:<file>).
	Source string `json:"source,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Descriptor sarifDescriptorRef `json:"descriptor"`
	Level      string             `json:"level"`
	Message    sarifText          `json:"message"`
	Locations  []sarifLocation    `json:"locations,omitempty"`
}

type sarifDescriptorRef struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
}

type sarifResult struct {
	RuleID              string                `json:"ruleId"`
	RuleIndex           int                   `json:"ruleIndex"`
	Level               string                `json:"level"`
	Message             sarifText             `json:"message"`
	Locations           []sarifLocation       `json:"locations"`
	PartialFingerprints sarifFingerprints     `json:"partialFingerprints"`
	Fixes               []sarifFix            `json:"fixes,omitempty"`
	Properties          sarifResultProperties `json:"properties"`
}

// sarifFingerprints is a result's partialFingerprints, with our one key.
type sarifFingerprints struct {
	Reviewer string `json:"reviewerFingerprint/v1"`
}

type sarifResultProperties struct {
	// Source is the stage that found it: pattern or llm.
	Source string `json:"source,omitempty"`
	// SummaryOnly marks a finding of a rule not posted on its line (inline: false); its
	// result is a note whatever the rule's severity, which the rule's descriptor keeps.
	SummaryOnly bool `json:"summaryOnly,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

// sarifRegion carries lines only: finding columns are byte offsets and SARIF's are UTF-16
// code units (columnKind), which cannot be converted without the line's text.
type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

// sarifRunProperties keep, in the run's property bag, what code scanning has no place for,
// so that the SARIF file alone tells how much of the change was reviewed.
type sarifRunProperties struct {
	Coverage   sarifCoverage     `json:"reviewer/coverage"`
	NotLocated []sarifNotLocated `json:"reviewer/notLocated"`
	Unplaced   []jsonPlace       `json:"reviewer/unplaced"`
	Usage      *jsonUsage        `json:"reviewer/usage,omitempty"`
}

type sarifCoverage struct {
	Complete    bool       `json:"complete"`
	Files       int        `json:"files"`
	Reviewed    int        `json:"reviewed"`
	Filtered    int        `json:"filtered"`
	Withheld    int        `json:"withheld"`
	Skipped     int        `json:"skipped"`
	Failed      int        `json:"failed"`
	NotReviewed []jsonFile `json:"notReviewed"`
}

type sarifNotLocated struct {
	Path        string `json:"path"`
	Side        string `json:"side"`
	Line        int    `json:"line"`
	EndLine     int    `json:"endLine"`
	Severity    string `json:"severity"`
	RuleID      string `json:"ruleId"`
	Message     string `json:"message"`
	Fingerprint string `json:"fingerprint"`
}

// writeSARIF renders res as one SARIF 2.1.0 run for GitHub code scanning.
//
// Every finding on a line of the new file is a result; its rule is in tool.driver.rules
// (only rules some result uses, sorted by id; a finding without a rule uses
// "reviewer/general"). Findings on removed lines (side old) are not results: code scanning
// reads locations as lines of the analyzed (new) commit, and an alert on an unrelated line
// would be wrong. They are kept, with unplaced findings, in run.properties and as tool
// execution notifications; so are the files that were not reviewed, and
// invocations[0].executionSuccessful is false when a file failed.
func writeSARIF(w io.Writer, res *reviewer.Result, opts Options) error {
	if opts.InformationURI != "" {
		if u, err := url.Parse(opts.InformationURI); err != nil || !u.IsAbs() {
			return fmt.Errorf("information uri %q is not an absolute URI", opts.InformationURI)
		}
	}
	known := make(map[string]*rules.Rule, len(res.Rules))
	for _, r := range res.Rules {
		if r != nil {
			known[r.ID] = r
		}
	}

	var located, notLocated []*reviewer.Finding
	for _, f := range ordered(res) {
		if isOld(f) || f.Line < 1 {
			notLocated = append(notLocated, f)
		} else {
			located = append(located, f)
		}
	}

	var ids []string
	for _, f := range located {
		ids = append(ids, sarifRuleID(f))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	index := make(map[string]int, len(ids))
	driverRules := make([]sarifRule, len(ids))
	for i, id := range ids {
		index[id] = i
		driverRules[i] = sarifDescriptor(id, known[id])
	}

	results := make([]sarifResult, 0, len(located))
	for _, f := range located {
		id := sarifRuleID(f)
		results = append(results, sarifResultOf(f, id, index[id]))
	}

	cov := res.Coverage
	props := sarifRunProperties{
		Coverage: sarifCoverage{
			Complete:    cov.Complete(),
			Files:       len(cov.Files),
			Reviewed:    cov.Count(reviewer.OutcomeReviewed),
			Filtered:    cov.Count(reviewer.OutcomeFiltered),
			Withheld:    cov.Count(reviewer.OutcomeWithheld),
			Skipped:     cov.Count(reviewer.OutcomeSkipped),
			Failed:      cov.Count(reviewer.OutcomeFailed),
			NotReviewed: []jsonFile{},
		},
		NotLocated: make([]sarifNotLocated, 0, len(notLocated)),
		Unplaced:   make([]jsonPlace, 0, len(res.Unplaced)),
	}
	notes := []sarifNotification{}
	for _, fc := range cov.Files {
		if fc.Outcome == reviewer.OutcomeReviewed {
			continue
		}
		props.Coverage.NotReviewed = append(props.Coverage.NotReviewed, jsonFile{Path: fc.Path, Outcome: string(fc.Outcome), Reason: fc.Reason})
		text := fmt.Sprintf("%s was not reviewed: %s", fc.Path, fc.Outcome)
		if fc.Reason != "" {
			text += " (" + fc.Reason + ")"
		}
		notes = append(notes, sarifNote(notifyFileNotReviewed, outcomeLevel(fc.Outcome), text+".", fc.Path))
	}
	for _, f := range notLocated {
		props.NotLocated = append(props.NotLocated, sarifNotLocated{
			Path:        f.Path,
			Side:        string(side(f)),
			Line:        f.Line,
			EndLine:     endLine(f),
			Severity:    f.Severity.String(),
			RuleID:      f.RuleID,
			Message:     f.Message,
			Fingerprint: f.Fingerprint,
		})
		where := "without a line in " + f.Path
		if isOld(f) {
			where = "on removed lines " + lineRange(f) + " of the old " + f.Path
		}
		text := fmt.Sprintf("Finding %s (%s%s), not reported as a result: %s", where, rulePrefix(f.RuleID), f.Severity, f.Message)
		notes = append(notes, sarifNote(notifyFindingNotLocated, "note", text, f.Path))
	}
	for _, u := range res.Unplaced {
		props.Unplaced = append(props.Unplaced, jsonPlace{Path: u.Path, Message: u.Message})
		text := "Finding not placed on a line of the diff, not reported as a result: " + u.Message
		if u.Path != "" {
			text = "Finding not placed on a line of the diff of " + u.Path + ", not reported as a result: " + u.Message
		}
		notes = append(notes, sarifNote(notifyFindingNotLocated, "note", text, u.Path))
	}
	if res.LLMEnabled {
		u := res.Usage
		props.Usage = &jsonUsage{
			Requests:         u.Requests,
			PromptTokens:     u.PromptTokens,
			CompletionTokens: u.CompletionTokens,
			CachedTokens:     u.CachedTokens,
			CostUSD:          u.CostUSD,
			Model:            u.Model,
		}
	}

	log := sarifLog{
		Schema:  sarifSchemaURI,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           opts.toolName(),
				Version:        opts.ToolVersion,
				InformationURI: opts.InformationURI,
				Rules:          driverRules,
				Notifications:  sarifNotificationDescriptors,
			}},
			Invocations: []sarifInvocation{{
				ExecutionSuccessful:        cov.Count(reviewer.OutcomeFailed) == 0,
				ToolExecutionNotifications: notes,
			}},
			OriginalURIBaseIDs: map[string]sarifArtifactLocation{
				srcRoot: {Description: &sarifText{Text: "The root of the repository under review; result paths are relative to it."}},
			},
			Results:    results,
			ColumnKind: "utf16CodeUnits",
			Properties: props,
		}},
	}
	return encodeJSON(w, log)
}

func sarifRuleID(f *reviewer.Finding) string {
	if f.RuleID == "" {
		return generalRuleID
	}
	return f.RuleID
}

// sarifDescriptor describes rule id; r is nil for the general rule and for a rule id the
// review's rule set does not hold (a model may name one). No rule carries GitHub's
// "security-severity" property: a rules file does not say whether it is about security, and
// code scanning would rank a style rule as a vulnerability.
func sarifDescriptor(id string, r *rules.Rule) sarifRule {
	d := sarifRule{
		ID:         id,
		Name:       pascalCase(id),
		Properties: &sarifRuleProperties{Tags: []string{"code-review"}},
	}
	if r == nil {
		if id == generalRuleID {
			d.ShortDescription = &sarifText{Text: "General code review finding"}
			d.FullDescription = &sarifText{Text: "A finding the model reported without tying it to one of the team's rules."}
			d.Help = &sarifText{Text: "A general code review finding: read the result's message."}
		} else {
			d.ShortDescription = &sarifText{Text: id}
			d.Help = &sarifText{Text: "The review's rule set has no rule " + id + "; read the result's message."}
		}
		return d
	}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = id
	}
	d.ShortDescription = &sarifText{Text: title}
	body := strings.TrimSpace(r.Body)
	if body != "" {
		d.FullDescription = &sarifText{Text: body}
		d.Help = &sarifText{Text: body, Markdown: body}
	} else if msg := strings.TrimSpace(r.Message); msg != "" {
		d.Help = &sarifText{Text: msg}
	} else {
		d.Help = &sarifText{Text: title}
	}
	d.DefaultConfiguration = &sarifConfiguration{Level: sarifLevel(r.Severity)}
	if r.Pattern != "" {
		d.Properties.Tags = append(d.Properties.Tags, "pattern")
	}
	d.Properties.Source = r.Source
	return d
}

func sarifResultOf(f *reviewer.Finding, ruleID string, ruleIndex int) sarifResult {
	loc := sarifArtifactLocation{URI: pathURI(f.Path), URIBaseID: srcRoot}
	region := sarifRegion{StartLine: f.Line}
	if end := endLine(f); end > f.Line {
		region.EndLine = end
	}
	msg := f.Message
	if strings.TrimSpace(msg) == "" {
		msg = ruleID
	}
	r := sarifResult{
		RuleID:    ruleID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: loc,
			Region:           &region,
		}}},
		PartialFingerprints: sarifFingerprints{Reviewer: fingerprint(f)},
		Properties:          sarifResultProperties{Source: string(f.Source), SummaryOnly: f.SummaryOnly},
	}
	if f.SummaryOnly {
		// Code scanning shows results on the change's lines: a rule measured to be right
		// too seldom for a line comment (inline: false) must not become an annotation
		// that looks like one at the rule's full severity.
		r.Level = "note"
	}
	if f.Suggestion != "" {
		code := strings.TrimSuffix(f.Suggestion, "\n")
		// Code scanning shows the message but not fixes, so the suggestion is in both.
		r.Message.Text += "\n\nSuggested change:\n" + indent(code, "    ")
		// A region of whole lines without columns runs from the start of its first line to
		// the end of its last, newline excluded: replacing it with the suggestion (without
		// its final newline) is exactly "suggestion replaces lines line..end_line".
		r.Fixes = []sarifFix{{
			Description: sarifText{Text: "Apply the suggested change."},
			ArtifactChanges: []sarifArtifactChange{{
				ArtifactLocation: loc,
				Replacements: []sarifReplacement{{
					DeletedRegion:   sarifRegion{StartLine: f.Line, EndLine: endLine(f)},
					InsertedContent: sarifText{Text: code},
				}},
			}},
		}}
	}
	return r
}

func sarifNote(descriptor int, level, text, path string) sarifNotification {
	n := sarifNotification{
		Descriptor: sarifDescriptorRef{ID: sarifNotificationDescriptors[descriptor].ID, Index: descriptor},
		Level:      level,
		Message:    sarifText{Text: text},
	}
	if path != "" {
		n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: pathURI(path), URIBaseID: srcRoot},
		}}}
	}
	return n
}

// sarifLevel maps a severity onto a SARIF level.
func sarifLevel(s rules.Severity) string {
	switch {
	case s >= rules.SeverityError:
		return "error"
	case s == rules.SeverityWarning:
		return "warning"
	}
	return "note"
}

// outcomeLevel is how loudly a notification reports a file that was not reviewed: a failure
// is an error, a file skipped for budget a warning, a file left out on purpose a note.
func outcomeLevel(o reviewer.Outcome) string {
	switch o {
	case reviewer.OutcomeFailed:
		return "error"
	case reviewer.OutcomeSkipped:
		return "warning"
	}
	return "note"
}

func lineRange(f *reviewer.Finding) string {
	if end := endLine(f); end > f.Line {
		return strconv.Itoa(f.Line) + "-" + strconv.Itoa(end)
	}
	return strconv.Itoa(f.Line)
}

func rulePrefix(id string) string {
	if id == "" {
		return ""
	}
	return "[" + id + "] "
}

// pathURI turns a repository-relative path into a relative URI reference. Every byte but the
// unreserved characters of RFC 3986 and "/" is percent-encoded: spaces, non-ASCII
// characters (as UTF-8), "%", "#" and "?", and a ":" that would otherwise read as a scheme.
func pathURI(p string) string {
	p = strings.TrimPrefix(p, "./")
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// pascalCase turns a rule id into a SARIF rule name: "go-wrap-errors" -> "GoWrapErrors".
func pascalCase(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// indent prefixes every non-empty line of s with prefix.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
