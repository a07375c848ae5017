package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
)

// The JSON report is the contract of DESIGN.md ("The JSON report"): other tools parse it, so
// every key is always present (no omitempty) and arrays are [] rather than null.
type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Coverage jsonCoverage  `json:"coverage"`
	Usage    jsonUsage     `json:"usage"`
	Unplaced []jsonPlace   `json:"unplaced"`
	// Omitted counts the findings beyond review.max_comments, which are not listed.
	Omitted int `json:"omitted"`
	// Egress records what was sent to which model: one entry per request.
	Egress []jsonEgress `json:"egress"`
	// Forge says what was done on the forge; all zero for a local review.
	Forge jsonForge `json:"forge"`
	// Verification says what the verification pass did with the model's findings.
	Verification jsonVerification `json:"verification"`
	// Tier is how much review the change got and why.
	Tier jsonTier `json:"tier"`
	// Dismissed are the findings people dismissed on the change, one entry per person,
	// oldest first; empty for a local review.
	Dismissed []jsonDismissal `json:"dismissed"`
}

// jsonDismissal is one person's dismissal of a finding: when is RFC 3339 in UTC, "" when
// the forge did not say (dismissals read from threads by reviewer ci).
type jsonDismissal struct {
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"rule_id"`
	Who         string `json:"who"`
	When        string `json:"when"`
}

// jsonTier is the change's review tier: "trivial", "lite" or "full" ("auto" when none
// was decided), the reasons, and whether the model was asked.
type jsonTier struct {
	Level    string   `json:"level"`
	Reasons  []string `json:"reasons"`
	AskModel bool     `json:"model_review"`
}

type jsonFinding struct {
	Path        string `json:"path"`
	Line        int    `json:"line"`
	EndLine     int    `json:"end_line"`
	Side        string `json:"side"`
	Severity    string `json:"severity"`
	RuleID      string `json:"rule_id"`
	Message     string `json:"message"`
	Suggestion  string `json:"suggestion"`
	Source      string `json:"source"`
	Fingerprint string `json:"fingerprint"`
}

type jsonCoverage struct {
	Files []jsonFile `json:"files"`
}

type jsonFile struct {
	Path    string `json:"path"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

type jsonUsage struct {
	Requests         int     `json:"requests"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CachedTokens     int     `json:"cached_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	Model            string  `json:"model"`
}

type jsonForge struct {
	Posted   int    `json:"posted"`
	Kept     int    `json:"kept"`
	Resolved int    `json:"resolved"`
	Rejected int    `json:"rejected"`
	Stale    bool   `json:"stale"`
	Status   string `json:"status"`
	APICalls int64  `json:"api_calls"`
}

type jsonEgress struct {
	Model  string           `json:"model"`
	Tokens int              `json:"tokens"`
	Files  []jsonEgressFile `json:"files"`
}

type jsonEgressFile struct {
	Path  string   `json:"path"`
	Hunks []string `json:"hunks"`
	Reads []string `json:"reads,omitempty"`
	// Context lists the head version's lines sent as context ("1-12 file header").
	Context []string `json:"context,omitempty"`
}

type jsonPlace struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// writeJSON renders res as the JSON report: indented by two spaces, one trailing newline,
// findings in report order, files in ledger order. An unset side is written as "new" and
// end_line is never below line.
func writeJSON(w io.Writer, res *reviewer.Result) error {
	rep := jsonReport{
		Findings: make([]jsonFinding, 0, len(res.Findings)),
		Coverage: jsonCoverage{Files: make([]jsonFile, 0, len(res.Coverage.Files))},
		Usage: jsonUsage{
			Requests:         res.Usage.Requests,
			PromptTokens:     res.Usage.PromptTokens,
			CompletionTokens: res.Usage.CompletionTokens,
			CachedTokens:     res.Usage.CachedTokens,
			CostUSD:          res.Usage.CostUSD,
			Model:            res.Usage.Model,
		},
		Unplaced: make([]jsonPlace, 0, len(res.Unplaced)),
		Omitted:  res.Omitted,
		Forge: jsonForge{
			Posted: res.Published.Posted, Kept: res.Published.Kept, Resolved: res.Published.Resolved,
			Rejected: res.Published.Rejected, Stale: res.Published.Stale, Status: string(res.Published.Status),
			APICalls: res.Published.APICalls,
		},
		Egress: make([]jsonEgress, 0, len(res.Egress)),
		Tier:   jsonTier{Level: res.Tier.Level.String(), Reasons: append([]string{}, res.Tier.Reasons...), AskModel: res.Tier.Plan.AskModel},
	}
	for _, e := range res.Egress {
		je := jsonEgress{Model: e.Model, Tokens: e.Tokens, Files: make([]jsonEgressFile, 0, len(e.Files))}
		for _, f := range e.Files {
			je.Files = append(je.Files, jsonEgressFile{Path: f.Path, Hunks: append([]string{}, f.Hunks...), Reads: f.Reads, Context: f.Context})
		}
		rep.Egress = append(rep.Egress, je)
	}
	for _, f := range ordered(res) {
		rep.Findings = append(rep.Findings, jsonFinding{
			Path:        f.Path,
			Line:        f.Line,
			EndLine:     endLine(f),
			Side:        string(side(f)),
			Severity:    f.Severity.String(),
			RuleID:      f.RuleID,
			Message:     f.Message,
			Suggestion:  f.Suggestion,
			Source:      string(f.Source),
			Fingerprint: f.Fingerprint,
		})
	}
	for _, fc := range res.Coverage.Files {
		rep.Coverage.Files = append(rep.Coverage.Files, jsonFile{Path: fc.Path, Outcome: string(fc.Outcome), Reason: fc.Reason})
	}
	for _, u := range res.Unplaced {
		rep.Unplaced = append(rep.Unplaced, jsonPlace{Path: u.Path, Message: u.Message})
	}
	rep.Verification = verificationJSON(&res.Verification)
	rep.Dismissed = make([]jsonDismissal, 0, len(res.Published.DismissedBy))
	for _, d := range res.Published.DismissedBy {
		when := ""
		if !d.At.IsZero() {
			when = d.At.UTC().Format(time.RFC3339)
		}
		rep.Dismissed = append(rep.Dismissed, jsonDismissal{Fingerprint: d.Fingerprint, RuleID: d.RuleID, Who: d.Who, When: when})
	}
	return encodeJSON(w, rep)
}

// encodeJSON writes v indented with a trailing newline. HTML escaping is off: the reports
// are read by tools and people, never embedded in a page, and "<" reads better than "\u003c"
// in code.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
