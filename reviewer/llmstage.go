package reviewer

import (
	"time"

	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/rules"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input, CachedInput, Output float64
}

// Cost is what usage costs at price p. Cached prompt tokens are billed at the cached
// price when there is one, else at the input price.
func (p Price) Cost(u TokenUsage) float64 {
	cachedPrice := p.CachedInput
	if cachedPrice == 0 {
		cachedPrice = p.Input
	}
	uncached := max(u.PromptTokens-u.CachedTokens, 0)
	return (float64(uncached)*p.Input + float64(u.CachedTokens)*cachedPrice + float64(u.CompletionTokens)*p.Output) / 1e6
}

// Egress records what left the machine for a model: one entry per request sent.
type Egress struct {
	Model string
	// Tokens is the prompt's size as the model counted it.
	Tokens int
	Files  []EgressFile
}

// EgressFile is one file of an Egress, with the hunks sent ("@@ -1,3 +1,4 @@") and what
// the model's tools sent of it ("read_file head lines 1-40").
type EgressFile struct {
	Path  string
	Hunks []string
	Reads []string
	// Context lists the lines of the head version sent as context, with what they
	// show: "1-12 file header", "40-80 enclosing scope".
	Context []string
}

// Planned is a request a dry run would have sent.
type Planned struct {
	Prompt Prompt
	// Tokens is the estimated prompt size.
	Tokens int
	Paths  []string
}

// maxSplits bounds how often a chunk whose answer was cut off is halved and asked again.
const maxSplits = 4

// modelStage is the part of a review that asks the model: withhold sensitive files, mask
// secrets, pack chunks, ask, and anchor the answers. It updates the ledger in place.
type modelStage struct {
	model Model
	opts  Options
	// plan is what the change's tier runs; its Model, when set, is asked first.
	plan     TierPlan
	redactor *redact.Redactor
	// masks, when set, holds what the secret rules already masked.
	masks *masks
	log   *slog.Logger
	// since, when set, narrows what is sent to the hunks changed after an earlier review.
	since *since
	// tools, when set, are offered to the model with each chunk.
	tools *toolSet
	// tree, when set, reads the head versions of files for context.
	tree TreeReader
}

// modelResult is what the model stage adds to a review.
type modelResult struct {
	findings []Finding
	unplaced []Unplaced
	usage    Usage
	egress   []Egress
	planned  []Planned
	// limitedUntil is the latest rate limit reset the gateway named for a failed request.
	limitedUntil time.Time
	// contexts are the head versions read for context, masked, by the path of the file as
	// the pipeline knows it: the verification pass shows a finding's scope from them.
	contexts map[string]*chunk.Context
}

func (s *modelStage) run(ctx context.Context, c Change, files []*diff.File, set *rules.Set, ledger *Coverage) (modelResult, error) {
	var res modelResult
	if s.tools != nil {
		s.tools.tracer = s.opts.Tracer
	}
	outcome := map[string]*FileCoverage{}
	for i := range ledger.Files {
		outcome[ledger.Files[i].Path] = &ledger.Files[i]
	}
	var inputs []chunk.File
	masked := 0
	// originals maps the path a model sees (with any secret in it masked) to the file as
	// the change has it, to anchor answers and to fingerprint the real code.
	originals := map[string]*diff.File{}
	for _, f := range files {
		if why, ok := redact.WithheldFile(f); ok {
			*outcome[f.Path()] = FileCoverage{Path: f.Path(), Outcome: OutcomeWithheld, Reason: why, Unseen: holdsCode(f)}
			continue
		}
		// Long lines are judged on the whole file: an earlier review masked them too.
		if long := longLines(f); len(long) > 0 {
			fc := outcome[f.Path()]
			fc.Reason = addNote(fc.Reason, longLinesNote(long, f))
			fc.Unseen = fc.Unseen || holdsCode(f)
		}
		if s.since != nil {
			narrowed := s.since.narrow(f)
			if narrowed == nil {
				fc := outcome[f.Path()]
				fc.Reason = addNote(fc.Reason, "unchanged since "+short(s.since.head)+", reviewed then")
				continue
			}
			f = narrowed
		}
		// Masked once per review (the secret rules saw the same answer), then each line
		// too long to show is replaced by its placeholder.
		rf, secrets := s.maskFile(f)
		rf = maskLongLines(rf)
		masked += len(secrets)
		rf = s.maskPaths(rf, &masked)
		originals[rf.Path()] = f
		inputs = append(inputs, chunk.File{File: rf, Rules: set.ForPath(f.Path())})
	}
	sctx, sp := startSpan(ctx, s.opts.Tracer, SpanContextRead)
	s.addContext(sctx, c, inputs, originals, outcome)
	sp.End(nil)
	for _, in := range inputs {
		if in.Context != nil {
			if res.contexts == nil {
				res.contexts = map[string]*chunk.Context{}
			}
			res.contexts[originals[in.File.Path()].Path()] = in.Context
		}
	}
	title, _ := s.redactor.String(c.Title)
	desc, _ := s.redactor.String(c.Description)
	cc := prompts.Change{Title: title, Description: desc, Instructions: set.Settings.Instructions}

	_, sp = startSpan(ctx, s.opts.Tracer, SpanChunkPlan)
	chunks, skipped := chunk.Plan(inputs, cc, s.chunkOptions())
	sp.SetAttributes(slog.Int("files", len(inputs)), slog.Int("chunks", len(chunks)), slog.Int("skipped", len(skipped)))
	sp.End(nil)
	for _, sk := range skipped {
		path := originals[sk.Path].Path()
		*outcome[path] = FileCoverage{Path: path, Outcome: OutcomeSkipped, Reason: sk.Reason}
	}
	s.log.DebugContext(ctx, "chunks planned", slog.Int("chunks", len(chunks)), slog.Int("skipped", len(skipped)), slog.Int("secrets_masked", masked))

	tags := map[string]string{"forge": c.Forge, "repo": c.Repo, "head_sha": c.HeadSHA}
	if c.Number != 0 {
		tags["change"] = strconv.Itoa(c.Number)
	}
	if s.opts.DryRun {
		for i := range chunks {
			p, err := s.prompt(&chunks[i], cc, tags)
			if err != nil {
				return res, err
			}
			res.planned = append(res.planned, Planned{Prompt: p, Tokens: chunks[i].Tokens, Paths: partPaths(&chunks[i], originals)})
		}
		return res, nil
	}

	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]string{}
		models []string
		prog   = progress{fn: s.opts.Progress}
	)
	prog.update(func(p *Progress) { p.Chunks = len(chunks) })
	// A finding may cite a rule the chunk carried for its file: one that applies to the
	// path and is sent to the model.
	cites := func(id, path string) bool {
		for _, r := range set.ForPath(path) {
			if r.ID == id {
				return chunk.SentToModel(r)
			}
		}
		return false
	}
	// The index of an original file is built once, however many chunks show parts of it,
	// and only when a model answered with findings on it.
	indexes := map[*diff.File]*fileIndex{}
	origIndex := func(f *diff.File) *fileIndex {
		ix, ok := indexes[f]
		if !ok {
			ix = newFileIndex(f)
			indexes[f] = ix
		}
		return ix
	}
	var ask func(ch chunk.Chunk, depth int)
	ask = func(ch chunk.Chunk, depth int) {
		mu.Lock()
		prog.update(func(p *Progress) { p.Sent++ })
		mu.Unlock()
		p, err := s.prompt(&ch, cc, tags)
		var reply Reply
		var tb *chunkTools
		if s.tools != nil {
			tb = s.tools.chunk()
			p.Tools = tb
		}
		if err == nil {
			mctx, sp := startSpan(ctx, s.opts.Tracer, SpanModelRequest)
			reply, err = s.model.Review(mctx, p)
			endModelSpan(sp, "review", s.price, cmp.Or(p.Model, s.opts.ModelName), reply, err)
		}
		// Requests that failed were billed all the same: count them whatever happens next.
		// Spent is what this call was billed, model by model; a pure cache hit spent nothing
		// (its Usage is what the cache saved).
		spent := reply.Spent
		if len(spent) == 0 && !reply.Cached && reply.Requests > 0 {
			spent = []ModelUsage{{Model: reply.Model, Usage: reply.Usage}}
		}
		mu.Lock()
		res.usage.Requests += reply.Requests
		sentTokens := 0
		for _, m := range spent {
			res.usage.PromptTokens += m.Usage.PromptTokens
			res.usage.CompletionTokens += m.Usage.CompletionTokens
			res.usage.CachedTokens += m.Usage.CachedTokens
			res.usage.CostUSD += s.price(m.Model).Cost(m.Usage)
			sentTokens += m.Usage.PromptTokens
		}
		if reply.Requests > 0 {
			e := egressOf(&ch, reply.Model, sentTokens)
			if tb != nil {
				e.Files = append(e.Files, tb.egress()...)
			}
			res.egress = append(res.egress, e)
		}
		if reply.Dropped > 0 {
			res.unplaced = append(res.unplaced, Unplaced{Path: partPaths(&ch, originals)[0],
				Message: fmt.Sprintf("%d items of the model's answer broke the answer format and were left out", reply.Dropped)})
		}
		if err == nil {
			res.usage.Answers++
			if reply.Cached {
				res.usage.CachedAnswers++
			}
		}
		prog.update(func(p *Progress) {
			p.PromptTokens, p.CompletionTokens, p.CostUSD = res.usage.PromptTokens, res.usage.CompletionTokens, res.usage.CostUSD
		})
		mu.Unlock()
		// A prompt too long for the model loses its context before its diff is split.
		if errors.Is(err, ErrTooLarge) && depth < maxSplits {
			if bare, ok := ch.WithoutContext(); ok {
				s.log.DebugContext(ctx, "prompt too long, asked again without context", slog.Int("depth", depth+1))
				mu.Lock()
				prog.update(func(p *Progress) { p.Chunks++; p.Answered++ })
				mu.Unlock()
				ask(bare, depth+1)
				return
			}
		}
		if (errors.Is(err, ErrTruncated) || errors.Is(err, ErrTooLarge)) && depth < maxSplits {
			if a, b, ok := chunk.Split(ch); ok {
				s.log.DebugContext(ctx, "answer cut off or prompt too long, chunk split", slog.Int("depth", depth+1))
				mu.Lock()
				prog.update(func(p *Progress) { p.Chunks += 2; p.Answered++ })
				mu.Unlock()
				ask(a, depth+1)
				ask(b, depth+1)
				return
			}
		}
		mu.Lock()
		defer mu.Unlock()
		prog.update(func(p *Progress) {
			if err != nil {
				p.Failed++
				return
			}
			p.Answered++
			if reply.Cached {
				p.Cached++
			}
		})
		if err != nil {
			why := failReason(err)
			// The ledger, which is public, names the failure; its details are for the log.
			s.log.WarnContext(ctx, "model request failed", slog.String("reason", why), slog.String("error", err.Error()),
				slog.Any("paths", partPaths(&ch, originals)))
			for _, part := range ch.Parts {
				failed[originals[part.Path].Path()] = why
			}
			if reset, ok := RateLimitReset(err); ok && reset.After(res.limitedUntil) {
				res.limitedUntil = reset
			}
			return
		}
		if reply.Model != "" && !slices.Contains(models, reply.Model) {
			models = append(models, reply.Model)
		}
		if len(reply.Findings) == 0 {
			return
		}
		sent := map[string]*sentFile{}
		for _, part := range ch.Parts {
			orig := originals[part.Path]
			sent[part.Path] = newSentFile(orig.Path(), part.Hunks, origIndex(orig))
		}
		for _, mf := range reply.Findings {
			f, why := anchor(mf, sent, cites)
			if why != "" {
				path := mf.Path
				if o, ok := originals[path]; ok {
					path = o.Path()
				}
				res.unplaced = append(res.unplaced, Unplaced{Path: path, Message: why + ": " + strings.TrimSpace(mf.Message)})
				continue
			}
			res.findings = append(res.findings, f)
		}
	}
	for _, ch := range chunks {
		wg.Go(func() { ask(ch, 0) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for path, why := range failed {
		*outcome[path] = FileCoverage{Path: path, Outcome: OutcomeFailed, Reason: why}
	}
	slices.Sort(models)
	res.usage.Model = strings.Join(models, ", ")
	if res.usage.Model == "" {
		res.usage.Model = cmp.Or(s.plan.Model, s.opts.ModelName)
	}
	// Chunks answer in any order; anchor order must not decide fingerprints or output.
	slices.SortStableFunc(res.findings, func(a, b Finding) int { return compareFindings(a, b, nil) })
	slices.SortFunc(res.unplaced, func(a, b Unplaced) int {
		return strings.Compare(a.Path+"\x00"+a.Message, b.Path+"\x00"+b.Message)
	})
	slices.SortFunc(res.egress, func(a, b Egress) int { return strings.Compare(egressKey(a), egressKey(b)) })
	return res, nil
}

func (s *modelStage) prompt(ch *chunk.Chunk, cc prompts.Change, tags map[string]string) (Prompt, error) {
	msgs, err := prompts.Render(ch.Input(cc))
	if err != nil {
		return Prompt{}, fmt.Errorf("render prompt: %w", err)
	}
	p := Prompt{Tags: tags, Messages: make([]Message, len(msgs)), Model: s.plan.Model}
	for i, m := range msgs {
		p.Messages[i] = Message{Role: m.Role, Content: m.Content}
	}
	return p, nil
}

// addNote adds a note to a reviewed file's ledger reason.
func addNote(reason, note string) string {
	if reason == "" {
		return note
	}
	return reason + "; " + note
}

// maskFile masks f, once per review.
func (s *modelStage) maskFile(f *diff.File) (*diff.File, []redact.Secret) {
	if s.masks != nil {
		return s.masks.file(f)
	}
	return s.redactor.File(f)
}

// maskPaths masks secrets in a file's paths (a token can be part of a file name): the
// model and the egress record see the masked path, the report the real one.
func (s *modelStage) maskPaths(f *diff.File, masked *int) *diff.File {
	np, a := s.redactor.String(f.NewPath)
	op, b := s.redactor.String(f.OldPath)
	if len(a)+len(b) == 0 {
		return f
	}
	*masked += len(a) + len(b)
	c := *f
	c.NewPath, c.OldPath = np, op
	return &c
}

// price finds the price of model, ignoring case (configuration keys are case-folded).
func (s *modelStage) price(model string) Price {
	for name, p := range s.opts.Prices {
		if strings.EqualFold(name, model) {
			return p
		}
	}
	return Price{}
}

// failReason is the ledger's short account of a failed request, which the summary shows on
// the change: the kind of failure, never the error's text, which names the gateway's
// address and may quote its answer.
func failReason(err error) string {
	switch {
	case errors.Is(err, ErrTruncated):
		return "model answer cut off at the length limit, even for the smallest split"
	case errors.Is(err, ErrTooLarge):
		return "prompt too long for the model, even for the smallest split"
	case errors.Is(err, ErrRefused):
		return "model refused to answer"
	case errors.Is(err, ErrRateLimited):
		return "rate limited by the gateway after every retry"
	case errors.Is(err, context.DeadlineExceeded):
		return "model request timed out"
	}
	return "model request failed (the service's log has the details)"
}

// partPaths lists the real paths of a chunk's files.
func partPaths(ch *chunk.Chunk, originals map[string]*diff.File) []string {
	var out []string
	for _, p := range ch.Parts {
		out = append(out, originals[p.Path].Path())
	}
	return out
}

func egressOf(ch *chunk.Chunk, model string, tokens int) Egress {
	e := Egress{Model: model, Tokens: tokens}
	for _, p := range ch.Parts {
		ef := EgressFile{Path: p.Path, Context: contextSpans(&p)}
		for _, h := range p.Hunks {
			ef.Hunks = append(ef.Hunks, fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines))
		}
		e.Files = append(e.Files, ef)
	}
	return e
}

func egressKey(e Egress) string {
	var b strings.Builder
	for _, f := range e.Files {
		b.WriteString(f.Path)
		b.WriteByte(0)
		b.WriteString(strings.Join(f.Hunks, ","))
		b.WriteByte(0)
	}
	return b.String()
}

// chunkOptions are the chunk options with the context bounded by the tier's plan: a lite
// change gets less code around its hunks than a full one (TierPlan.ContextTokens).
func (s *modelStage) chunkOptions() chunk.Options {
	o := s.opts.Chunk
	if limit := s.plan.ContextTokens; limit > 0 {
		o.Context.MaxChunkTokens = min(cmp.Or(o.Context.MaxChunkTokens, chunk.DefaultMaxChunkContext), limit)
		o.Context.MaxFileTokens = min(cmp.Or(o.Context.MaxFileTokens, chunk.DefaultMaxFileContext), limit)
	}
	return o
}
