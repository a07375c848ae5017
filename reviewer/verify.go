package reviewer

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// Verifier is a Model that can also check candidate findings: the verification pass asks
// it, with the prompt of prompts.RenderVerify, whether each finding holds. It is an
// optional ability of the Options.Model, discovered by a type assertion.
type Verifier interface {
	Verify(ctx context.Context, p Prompt) (VerifyReply, error)
}

// Verdict is the verifier's judgement of one candidate finding. It is model output:
// nothing in it is trusted (ids may be unknown, lines outside the diff, reasons long).
type Verdict struct {
	// ID is the candidate's id as the request showed it.
	ID string
	// Keep says the finding holds; Confidence (0..1) is how sure the verifier is.
	Keep       bool
	Confidence float64
	Reason     string
	// Line, when not 0, is the line the problem is really on, on the finding's side.
	Line int
	// DuplicateOf is the id of a candidate reporting the same problem, "" for none.
	DuplicateOf string
}

// VerifyReply is a verifier's parsed answer, with what it cost as Reply has it.
type VerifyReply struct {
	Verdicts []Verdict
	Usage    TokenUsage
	Model    string
	Requests int
	Spent    []ModelUsage
	// Dropped counts items of the answer that broke its format and were left out.
	Dropped int
	// Cached is set when the verdicts came from the response cache: Usage is then what
	// they cost when first asked for, and Spent what this call spent.
	Cached bool
}

// Defaults of VerifyOptions.
const (
	DefaultMinConfidence = 0.5
	DefaultVerifyTokens  = 8000
	// maxVerifyCandidates bounds the findings of one verification request, whatever
	// their size: a long list is where a model starts skipping ids.
	maxVerifyCandidates = 40
	// verifyContext is how many diff lines around a finding the verifier is shown.
	verifyContext = 6
	// verifyScopeLines bounds the enclosing scope the verifier is shown beside them.
	verifyScopeLines = 80
)

// VerifyOptions configure the verification pass, which checks the model's findings
// before they are posted. It runs only when Enabled and the Model is a Verifier.
type VerifyOptions struct {
	Enabled bool
	// MinConfidence drops a finding the verifier is less sure of than this (0..1).
	MinConfidence float64
	// MaxTokens bounds the estimated prompt of one verification request; 0 is
	// DefaultVerifyTokens. Findings are grouped by file up to it.
	MaxTokens int
}

// Verification is what the verification pass did with the model's findings.
type Verification struct {
	// Ran is set when the pass was asked for (a model that can verify, the pass on).
	Ran bool
	// Candidates counts the model findings before the pass; Checked those a verifier
	// answered for.
	Candidates, Checked int
	// Dropped lists the findings left out, and why.
	Dropped []DroppedFinding
	// Corrected counts findings moved to the line the verifier named; Rejected counts
	// corrections refused because that line is not a line of the diff the finding can take.
	Corrected, Rejected int
	// Unverified counts the findings kept without a verdict: their request failed, or the
	// answer left them out. Failures says why requests failed, in the ledger's words.
	Unverified int
	Failures   []string
	// Usage is what the pass cost; it is also in Result.Usage.
	Usage Usage
}

// Verified reports that every candidate got a verdict.
func (v *Verification) Verified() bool { return v.Ran && v.Unverified == 0 && len(v.Failures) == 0 }

// DroppedFinding is a model finding the verification pass left out.
type DroppedFinding struct {
	Path    string
	Line    int
	Side    Side
	RuleID  string
	Message string
	// Reason says why in the pipeline's words: not confirmed, under the confidence
	// threshold, or a duplicate of the finding named.
	Reason string
	// Verdict is the verifier's own reason (model output: render it as untrusted text).
	Verdict    string
	Confidence float64
}

// verifyStage checks candidate findings with a Verifier.
type verifyStage struct {
	v     Verifier
	opts  VerifyOptions
	masks *masks
	red   *redact.Redactor
	price func(model string) Price
	log   *slog.Logger
	// contexts are the head versions the model stage read for context, by path.
	contexts map[string]*chunk.Context
	// scope finds a finding's enclosing scope in them.
	scope scope.Options
	// model is the tier's model (gateway.models), asked first: the findings of a full
	// review are checked by the model that found them.
	model string

	tracer Tracer // nil: no span for each request
}

// candidate is a finding on its way through the pass.
type candidate struct {
	f     Finding
	id    string
	orig  *diff.File // the file as the change has it
	shown *diff.File // the same file as the model is shown it (masked)
	p     prompts.Candidate
	// cost is the candidate's estimated share of a prompt, in tokens.
	cost int
}

// run checks findings (all from the model) and returns those kept, in their order, with
// what the pass did. A request that fails keeps its findings, counted as unverified:
// the pass never loses a finding to a failure. egress gets one entry per request sent.
func (s *verifyStage) run(ctx context.Context, files []*diff.File, findings []Finding, tags map[string]string) ([]Finding, Verification, []Egress) {
	ver := Verification{Ran: true, Candidates: len(findings)}
	findings, dups := mergeExact(findings)
	ver.Dropped = append(ver.Dropped, dups...)
	if len(findings) == 0 {
		return findings, ver, nil
	}
	byPath := map[string]*diff.File{}
	for _, f := range files {
		byPath[f.Path()] = f
	}
	shown := map[*diff.File]*diff.File{}
	cands := make([]*candidate, 0, len(findings))
	for i, f := range findings {
		c := &candidate{f: f, id: "f" + strconv.Itoa(i+1)}
		if orig := byPath[f.Path]; orig != nil {
			if _, ok := shown[orig]; !ok {
				m, _ := s.masks.file(orig)
				shown[orig] = maskLongLines(m)
			}
			c.orig, c.shown = orig, shown[orig]
		}
		c.p = s.candidatePrompt(c)
		c.cost = estimateTokens(c.p)
		cands = append(cands, c)
	}
	batches := batchCandidates(cands, cmp.Or(s.opts.MaxTokens, DefaultVerifyTokens))

	type outcome struct {
		reply VerifyReply
		err   error
	}
	outs := make([]outcome, len(batches))
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Go(func() {
			p, err := verifyPrompt(b, tags)
			p.Model = s.model
			if err == nil {
				mctx, sp := startSpan(ctx, s.tracer, SpanModelRequest)
				outs[i].reply, err = s.v.Verify(mctx, p)
				r := outs[i].reply
				endModelSpan(sp, "verify", s.price, p.Model, Reply{Usage: r.Usage, Model: r.Model, Requests: r.Requests, Spent: r.Spent, Cached: r.Cached}, err)
			}
			outs[i].err = err
		})
	}
	wg.Wait()

	var egress []Egress
	models := []string{}
	var kept []Finding
	for i, b := range batches {
		out := outs[i]
		ver.Usage.add(out.reply, s.price)
		if out.reply.Requests > 0 {
			egress = append(egress, verifyEgress(b, out.reply))
			if out.reply.Model != "" && !slices.Contains(models, out.reply.Model) {
				models = append(models, out.reply.Model)
			}
		}
		if out.err != nil {
			why := failReason(out.err)
			s.log.WarnContext(ctx, "verification failed, findings kept unverified", slog.String("reason", why),
				slog.String("error", out.err.Error()), slog.Int("findings", len(b)))
			if !slices.Contains(ver.Failures, why) {
				ver.Failures = append(ver.Failures, why)
			}
			ver.Unverified += len(b)
			for _, c := range b {
				kept = append(kept, c.f)
			}
			continue
		}
		if out.reply.Dropped > 0 {
			s.log.DebugContext(ctx, "invalid verdicts left out", slog.Int("dropped", out.reply.Dropped))
		}
		kept = append(kept, s.apply(ctx, b, out.reply.Verdicts, &ver)...)
	}
	slices.Sort(models)
	ver.Usage.Model = strings.Join(models, ", ")
	slices.SortStableFunc(kept, func(a, b Finding) int { return compareFindings(a, b, nil) })
	return kept, ver, egress
}

// add adds what one verification reply spent to u.
func (u *Usage) add(r VerifyReply, price func(string) Price) {
	u.Requests += r.Requests
	spent := r.Spent
	if len(spent) == 0 && !r.Cached && r.Requests > 0 {
		spent = []ModelUsage{{Model: r.Model, Usage: r.Usage}}
	}
	for _, m := range spent {
		u.PromptTokens += m.Usage.PromptTokens
		u.CompletionTokens += m.Usage.CompletionTokens
		u.CachedTokens += m.Usage.CachedTokens
		u.CostUSD += price(m.Model).Cost(m.Usage)
	}
}

// apply applies a batch's verdicts: the first verdict for each id shown counts, verdicts
// for other ids are ignored, and a candidate without one is kept unverified.
func (s *verifyStage) apply(ctx context.Context, b []*candidate, verdicts []Verdict, ver *Verification) []Finding {
	byID := make(map[string]*candidate, len(b))
	for _, c := range b {
		byID[c.id] = c
	}
	got := map[string]Verdict{}
	ignored := 0
	for _, v := range verdicts {
		if _, ok := byID[v.ID]; !ok {
			ignored++
			continue
		}
		if _, dup := got[v.ID]; !dup {
			got[v.ID] = v
		}
	}
	if ignored > 0 {
		s.log.DebugContext(ctx, "verdicts for unknown findings ignored", slog.Int("verdicts", ignored))
	}
	foldable := func(t *candidate) bool {
		tv, ok := got[t.id]
		if !ok || !tv.Keep || tv.Confidence < s.opts.MinConfidence {
			return false
		}
		other, named := byID[tv.DuplicateOf]
		return !named || other == t
	}
	var kept []Finding
	keptAt := map[string]int{}
	for _, c := range b {
		v, ok := got[c.id]
		if !ok {
			ver.Unverified++
			kept = append(kept, c.f)
			continue
		}
		ver.Checked++
		drop := func(reason string) {
			ver.Dropped = append(ver.Dropped, droppedOf(c.f, reason, v))
		}
		switch {
		case !v.Keep:
			drop("the verification pass found it does not hold")
			continue
		case v.Confidence < s.opts.MinConfidence:
			drop(fmt.Sprintf("confidence %.2f is under review.min_confidence %.2f", v.Confidence, s.opts.MinConfidence))
			continue
		}
		// A duplicate folds into the finding it names when that one is kept and names no
		// other finding itself: no chains, no cycles. Otherwise it stands on its own.
		if t, ok := byID[v.DuplicateOf]; ok && t != c && foldable(t) {
			reason := "the same problem as the finding at "
			if i, ok := keptAt[t.id]; ok {
				kept[i].Severity = max(kept[i].Severity, c.f.Severity)
				reason += placeOf(kept[i])
			} else {
				t.f.Severity = max(t.f.Severity, c.f.Severity)
				reason += placeOf(t.f)
			}
			drop(reason)
			continue
		}
		f := c.f
		if v.Line > 0 && v.Line != f.Line {
			if moved, ok := s.correct(c, v.Line); ok {
				f = moved
				ver.Corrected++
			} else {
				ver.Rejected++
				s.log.DebugContext(ctx, "line correction refused", slog.String("path", f.Path), slog.Int("line", v.Line))
			}
		}
		keptAt[c.id] = len(kept)
		kept = append(kept, f)
	}
	return kept
}

// placeOf names a finding's place in a reason.
func placeOf(f Finding) string {
	return f.Path + ":" + strconv.Itoa(f.Line) + sideSuffix(f.Side)
}

// maxVerdictReason bounds the verifier's reason a report keeps: model output, however
// long the client let it be.
const maxVerdictReason = 1000

func droppedOf(f Finding, reason string, v Verdict) DroppedFinding {
	return DroppedFinding{Path: f.Path, Line: f.Line, Side: f.Side, RuleID: f.RuleID, Message: f.Message,
		Reason: reason, Verdict: clipText(v.Reason, maxVerdictReason), Confidence: v.Confidence}
}

// correct moves c's finding to line on its side, by the rules findings are anchored by:
// the line must be a line of the diff that can take a comment, and the whole range must
// lie in one hunk. The suggestion, written for the old place, is dropped.
func (s *verifyStage) correct(c *candidate, line int) (Finding, bool) {
	if c.orig == nil {
		return Finding{}, false
	}
	f := c.f
	sf := newSentFile(f.Path, c.shown.Hunks, newFileIndex(c.orig))
	mf := ModelFinding{Path: f.Path, Line: line, EndLine: line + max(f.EndLine-f.Line, 0), Side: f.Side,
		Severity: f.Severity.String(), RuleID: f.RuleID, Message: f.Message}
	moved, why := anchor(mf, map[string]*sentFile{f.Path: sf}, func(id, _ string) bool { return id == f.RuleID })
	if why != "" {
		return Finding{}, false
	}
	f.Line, f.EndLine, f.Side, f.Fingerprint, f.Suggestion = moved.Line, moved.EndLine, moved.Side, moved.Fingerprint, ""
	return f, true
}

// mergeExact merges findings that say the same thing on the same place (path, side,
// line, rule, and message once case, space and punctuation are folded): overlapping chunk
// windows may answer for one line twice. Different problems on one line all stay.
func mergeExact(fs []Finding) ([]Finding, []DroppedFinding) {
	type key struct {
		path      string
		side      Side
		line      int
		rule, msg string
	}
	seen := make(map[key]int, len(fs))
	out := make([]Finding, 0, len(fs))
	var dropped []DroppedFinding
	for _, f := range fs {
		k := key{f.Path, f.Side, f.Line, f.RuleID, normalMessage(f.Message)}
		if i, dup := seen[k]; dup {
			out[i].Severity = max(out[i].Severity, f.Severity)
			dropped = append(dropped, DroppedFinding{Path: f.Path, Line: f.Line, Side: f.Side, RuleID: f.RuleID, Message: f.Message,
				Reason: "the same finding as another on the line"})
			continue
		}
		seen[k] = len(out)
		out = append(out, f)
	}
	return out, dropped
}

// normalMessage folds what does not change a message's meaning: case, space, punctuation.
func normalMessage(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// candidatePrompt is how c is shown to the verifier: its path masked as the model saw
// it, its message, and the code around it.
func (s *verifyStage) candidatePrompt(c *candidate) prompts.Candidate {
	path, _ := s.red.String(c.f.Path)
	msg, _ := s.red.String(c.f.Message)
	side := c.f.Side
	if side != SideOld {
		side = SideNew
	}
	p := prompts.Candidate{ID: c.id, Path: path, Side: string(side), Line: c.f.Line, EndLine: max(c.f.EndLine, c.f.Line),
		Severity: c.f.Severity.String(), RuleID: c.f.RuleID, Message: msg}
	if c.shown != nil {
		p.Code = codeAround(c.shown, SpanOf(&c.f), verifyContext)
	}
	if side == SideNew {
		p.Scope = s.scopeAround(c.f.Path, c.f.Line, max(c.f.EndLine, c.f.Line))
	}
	return p
}

// scopeAround is the innermost enclosing scope of lines line to end in a head version
// read for context (already masked), found anew for those lines alone (the model
// stage's spans are merged across the file's hunks), at most verifyScopeLines of it
// around them; nil when there is none.
func (s *verifyStage) scopeAround(path string, line, end int) *prompts.Excerpt {
	hc := s.contexts[path]
	if hc == nil || line < 1 {
		return nil
	}
	src := []byte(strings.Join(hc.Lines, "\n") + "\n")
	var best *scope.Span
	so := s.scope
	so.Related = 0 // the scope around the finding alone
	spans := scope.Spans(path, src, []int{line}, so)
	for i := range spans {
		sp := &spans[i]
		if sp.Kind&scope.KindScope == 0 || sp.Start > line || sp.End < end {
			continue
		}
		if best == nil || sp.End-sp.Start < best.End-best.Start {
			best = sp
		}
	}
	if best == nil {
		return nil
	}
	from, to := best.Start, min(best.End, len(hc.Lines))
	if to-from+1 > verifyScopeLines {
		half := max((verifyScopeLines-(end-line+1))/2, 0)
		from = max(from, line-half)
		to = min(to, from+verifyScopeLines-1)
	}
	if from < 1 || from > to {
		return nil
	}
	return &prompts.Excerpt{Start: from, Label: "enclosing scope", Lines: hc.Lines[from-1 : to]}
}

// codeAround returns the lines of the hunk that holds span, from n lines before it to n
// lines after it, as the model is shown them (shown is the masked file). This is the one
// place that decides what code a verifier sees: the enclosing scope can replace it.
func codeAround(shown *diff.File, span Span, n int) []prompts.Line {
	for hi := range shown.Hunks {
		lines := shown.Hunks[hi].Lines
		first, last := -1, -1
		for i, l := range lines {
			num := l.NewLine
			if span.Side == SideOld {
				num = l.OldLine
			}
			if span.Side == SideOld && l.Kind == diff.Added || span.Side == SideNew && l.Kind == diff.Deleted {
				continue
			}
			if num >= span.Line && num <= span.EndLine {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			continue
		}
		from, to := max(first-n, 0), min(last+n, len(lines)-1)
		out := make([]prompts.Line, 0, to-from+1)
		for _, l := range lines[from : to+1] {
			kind := prompts.KindContext
			switch l.Kind {
			case diff.Added:
				kind = prompts.KindAdded
			case diff.Deleted:
				kind = prompts.KindDeleted
			}
			out = append(out, prompts.Line{Kind: kind, OldLine: l.OldLine, NewLine: l.NewLine, Content: l.Content})
		}
		return out
	}
	return nil
}

// estimateTokens guesses a candidate's share of a prompt: four bytes a token, plus its
// header lines.
func estimateTokens(c prompts.Candidate) int {
	n := len(c.Path) + len(c.Message) + len(c.RuleID) + 64
	for _, l := range c.Code {
		n += len(l.Content) + 8
	}
	if c.Scope != nil {
		for _, l := range c.Scope.Lines {
			n += len(l) + 6
		}
	}
	return n / 4
}

// verifyOverhead is the estimated size of the verification instructions, in tokens.
const verifyOverhead = 600

// batchCandidates groups candidates into requests by file: the candidates of one file
// stay together (duplicates across chunks are of one file) unless they alone exceed the
// budget, and a request holds whole files up to the budget and maxVerifyCandidates.
func batchCandidates(cands []*candidate, budget int) [][]*candidate {
	var groups [][]*candidate
	at := map[string]int{}
	for _, c := range cands {
		i, ok := at[c.f.Path]
		if !ok {
			i = len(groups)
			at[c.f.Path] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	var out [][]*candidate
	var cur []*candidate
	size := verifyOverhead
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, size = nil, verifyOverhead
	}
	for _, g := range groups {
		gs := 0
		for _, c := range g {
			gs += c.cost
		}
		if len(cur) > 0 && (size+gs > budget || len(cur)+len(g) > maxVerifyCandidates) {
			flush()
		}
		for _, c := range g {
			if len(cur) > 0 && (size+c.cost > budget || len(cur) == maxVerifyCandidates) {
				flush()
			}
			cur = append(cur, c)
			size += c.cost
		}
	}
	flush()
	return out
}

// verifyPrompt renders a batch's request.
func verifyPrompt(b []*candidate, tags map[string]string) (Prompt, error) {
	cs := make([]prompts.Candidate, len(b))
	for i, c := range b {
		cs[i] = c.p
		// Findings of one hunk often share their code: it is shown once.
		for j := range i {
			if cs[j].SameCodeAs == "" && cs[j].Path == c.p.Path && len(c.p.Code) > 0 && slices.Equal(cs[j].Code, c.p.Code) &&
				sameExcerpt(cs[j].Scope, c.p.Scope) {
				cs[i].SameCodeAs = cs[j].ID
				break
			}
		}
	}
	msgs, err := prompts.RenderVerify(cs)
	if err != nil {
		return Prompt{}, fmt.Errorf("render verification: %w", err)
	}
	p := Prompt{Tags: tags, Messages: make([]Message, len(msgs))}
	for i, m := range msgs {
		p.Messages[i] = Message{Role: m.Role, Content: m.Content}
	}
	return p, nil
}

// verifyEgress records what a verification request sent: for each file, the windows of
// code shown, as hunk headers, under the masked path the model saw.
func verifyEgress(b []*candidate, r VerifyReply) Egress {
	e := Egress{Model: r.Model}
	for _, m := range r.Spent {
		e.Tokens += m.Usage.PromptTokens
	}
	if len(r.Spent) == 0 {
		e.Tokens = r.Usage.PromptTokens
	}
	at := map[string]int{}
	for _, c := range b {
		i, ok := at[c.p.Path]
		if !ok {
			i = len(e.Files)
			at[c.p.Path] = i
			e.Files = append(e.Files, EgressFile{Path: c.p.Path})
		}
		if h, ok := windowHeader(c.p.Code); ok && !slices.Contains(e.Files[i].Hunks, h) {
			e.Files[i].Hunks = append(e.Files[i].Hunks, h)
		}
	}
	return e
}

// windowHeader writes a window of diff lines as a hunk header.
func windowHeader(lines []prompts.Line) (string, bool) {
	if len(lines) == 0 {
		return "", false
	}
	oldStart, newStart, oldN, newN := 0, 0, 0, 0
	for _, l := range lines {
		if l.Kind != prompts.KindAdded {
			if oldN == 0 {
				oldStart = l.OldLine
			}
			oldN++
		}
		if l.Kind != prompts.KindDeleted {
			if newN == 0 {
				newStart = l.NewLine
			}
			newN++
		}
	}
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@", oldStart, oldN, newStart, newN), true
}

// verifyFindings runs the verification pass on the model's findings when it is on and
// the model can verify, and returns the findings to keep. Its cost goes into the
// stage's usage and egress (m), which the caller copies into res next; what it did goes
// into res.Verification.
func (r *Reviewer) verifyFindings(ctx context.Context, c Change, files []*diff.File, fs []Finding, m *masks, mr *modelResult, res *Result, log *slog.Logger) []Finding {
	v, ok := r.opts.Model.(Verifier)
	if !ok || !r.opts.Verify.Enabled || !res.Tier.Plan.Verify || r.opts.DryRun {
		return fs
	}
	ms := &modelStage{opts: r.opts}
	s := &verifyStage{v: v, opts: r.opts.Verify, masks: m, red: m.red, price: ms.price, log: log, contexts: mr.contexts,
		scope: r.opts.Context.Scope, tracer: r.opts.Tracer, model: res.Tier.Plan.Model}
	kept, ver, egress := s.run(ctx, files, fs, changeTags(c))
	u := &mr.usage
	u.Requests += ver.Usage.Requests
	u.PromptTokens += ver.Usage.PromptTokens
	u.CompletionTokens += ver.Usage.CompletionTokens
	u.CachedTokens += ver.Usage.CachedTokens
	u.CostUSD += ver.Usage.CostUSD
	mr.egress = append(mr.egress, egress...)
	res.Verification = ver
	return kept
}

// changeTags are the gateway metadata of a change's requests.
func changeTags(c Change) map[string]string {
	tags := map[string]string{"forge": c.Forge, "repo": c.Repo, "head_sha": c.HeadSHA}
	if c.Number != 0 {
		tags["change"] = strconv.Itoa(c.Number)
	}
	return tags
}

// sameExcerpt reports whether two scopes shown to the verifier are the same lines.
func sameExcerpt(a, b *prompts.Excerpt) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Start == b.Start && len(a.Lines) == len(b.Lines)
}
