package eval

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Asker asks a model one question whose answer is a JSON object matching a schema, and
// returns the answer's content unparsed with the tokens it was billed. llm.Client.Ask
// is one.
type Asker interface {
	Ask(ctx context.Context, msgs []reviewer.Message, name string, schema []byte) (string, reviewer.TokenUsage, error)
}

// Verdict is the judge's opinion of one hit.
type Verdict struct {
	// SameIssue says the finding's message describes the expected issue's note.
	SameIssue bool   `json:"same_issue"`
	Reason    string `json:"reason"`
	// Error is set when the question got no valid answer; the hit is then not confirmed.
	Error string `json:"error,omitempty"`
}

// JudgeUsage is what the judge pass spent.
type JudgeUsage struct {
	Requests         int
	PromptTokens     int
	CompletionTokens int
}

// JudgeSchemaName names the judge's answer schema in the request's response_format.
const JudgeSchemaName = "eval_judge_verdict"

var (
	//go:embed templates
	templateFS embed.FS
	judgeTmpl  = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))
	// JudgeSchema is the JSON schema of the judge's answer: {"same_issue": bool,
	// "reason": string}.
	JudgeSchema = mustRead("templates/judge.schema.json")
)

func mustRead(name string) []byte {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// Judge asks, for every hit of s whose expected issue has a note, whether the finding's
// message describes that issue, and stores the answer as the finding's Verdict. Hits
// whose issue has no note are not asked (the report counts them as unjudged). A question
// that fails or gets an answer that is not a verdict leaves a Verdict with Error set and
// the pass goes on; only the context's end stops it.
//
// The judge is a second opinion on the location match: it catches a finding that sits on
// the right lines but says something else. It is a model too, and can be wrong.
func Judge(ctx context.Context, a Asker, s *Scored) (JudgeUsage, error) {
	var u JudgeUsage
	for i := range s.Findings {
		f := &s.Findings[i]
		if f.Match != Hit || s.Issues[f.Issue].Note == "" {
			continue
		}
		msgs, err := judgePrompt(f, s.Issues[f.Issue].Issue)
		if err != nil {
			return u, err
		}
		content, tokens, err := a.Ask(ctx, msgs, JudgeSchemaName, JudgeSchema)
		u.Requests++
		u.PromptTokens += tokens.PromptTokens
		u.CompletionTokens += tokens.CompletionTokens
		if ctx.Err() != nil {
			return u, ctx.Err()
		}
		v, err := parseVerdict(content, err)
		if err != nil {
			v = Verdict{Error: err.Error()}
		}
		f.Verdict = &v
	}
	return u, nil
}

// judgePrompt renders the question about one hit.
func judgePrompt(f *ScoredFinding, is Issue) ([]reviewer.Message, error) {
	data := struct {
		Issue
		Line, EndLine   int
		RuleID, Message string
	}{Issue: is, Line: f.Line, EndLine: max(f.EndLine, f.Line), RuleID: f.RuleID, Message: f.Message}
	// The delimiters must not be forgeable from inside the text.
	for _, s := range []*string{&data.Note, &data.Message} {
		*s = strings.NewReplacer("<<<", "‹‹‹", ">>>", "›››").Replace(*s)
	}
	var sys, user bytes.Buffer
	if err := judgeTmpl.ExecuteTemplate(&sys, "judge_system.tmpl", nil); err != nil {
		return nil, fmt.Errorf("render judge prompt: %w", err)
	}
	if err := judgeTmpl.ExecuteTemplate(&user, "judge_user.tmpl", data); err != nil {
		return nil, fmt.Errorf("render judge prompt: %w", err)
	}
	return []reviewer.Message{{Role: "system", Content: sys.String()}, {Role: "user", Content: user.String()}}, nil
}

// parseVerdict reads the judge's answer: the JSON object, alone or inside prose.
func parseVerdict(content string, askErr error) (Verdict, error) {
	if askErr != nil {
		msg := askErr.Error()
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return Verdict{}, errors.New(msg)
	}
	s := strings.TrimSpace(content)
	if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
		s = s[i : j+1]
	}
	var ans struct {
		SameIssue *bool  `json:"same_issue"`
		Reason    string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(s), &ans); err != nil || ans.SameIssue == nil {
		return Verdict{}, fmt.Errorf("the judge's answer is not {\"same_issue\": bool, \"reason\": string}: %.100q", content)
	}
	return Verdict{SameIssue: *ans.SameIssue, Reason: strings.TrimSpace(ans.Reason)}, nil
}
