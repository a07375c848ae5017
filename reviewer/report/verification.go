package report

import "github.com/reviewerbot/reviewer/reviewer"

// jsonVerification is the "verification" object of the JSON report: what the pass that
// checks the model's findings did, and every finding it dropped with the reason.
type jsonVerification struct {
	Ran        bool `json:"ran"`
	Candidates int  `json:"candidates"`
	Checked    int  `json:"checked"`
	Corrected  int  `json:"corrected"`
	// RejectedCorrections counts lines the verifier named that are not lines of the diff.
	RejectedCorrections int           `json:"rejected_corrections"`
	Unverified          int           `json:"unverified"`
	Failures            []string      `json:"failures"`
	Dropped             []jsonDropped `json:"dropped"`
	// The pass's share of the usage above.
	Requests         int     `json:"requests"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

type jsonDropped struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Side    string `json:"side"`
	RuleID  string `json:"rule_id"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	// Verdict is the verifier's own reason, model output.
	Verdict    string  `json:"verdict"`
	Confidence float64 `json:"confidence"`
}

func verificationJSON(v *reviewer.Verification) jsonVerification {
	out := jsonVerification{
		Ran: v.Ran, Candidates: v.Candidates, Checked: v.Checked, Corrected: v.Corrected,
		RejectedCorrections: v.Rejected, Unverified: v.Unverified,
		Failures: append([]string{}, v.Failures...), Dropped: make([]jsonDropped, 0, len(v.Dropped)),
		Requests: v.Usage.Requests, PromptTokens: v.Usage.PromptTokens, CompletionTokens: v.Usage.CompletionTokens,
		CostUSD: v.Usage.CostUSD,
	}
	for _, d := range v.Dropped {
		side := d.Side
		if side != reviewer.SideOld {
			side = reviewer.SideNew
		}
		out.Dropped = append(out.Dropped, jsonDropped{Path: d.Path, Line: d.Line, Side: string(side), RuleID: d.RuleID,
			Message: d.Message, Reason: d.Reason, Verdict: d.Verdict, Confidence: d.Confidence})
	}
	return out
}
