package learn

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// Config is one run's.
type Config struct {
	Thresholds
	// DryRun computes the patch and writes nothing to the forge.
	DryRun bool
	// Mask redacts secrets from what is written into rules files.
	Mask func(string) string
	// Link makes the links to the threads in the description.
	Link ThreadURL
	// Now is the end of the window; zero is time.Now.
	Now time.Time
	// Rules is how the repository's rules are loaded, as the reviews load them.
	Rules rules.RepoOptions
}

// Result is what a run proposed for one repository.
type Result struct {
	Forge, Repo string
	Proposals   []Proposal
	Edits       []FileEdit
	// Patch is the unified diff of Edits.
	Patch string
	// URL is the pull or merge request's; State says what this run did to it.
	URL   string
	State reviewer.ProposalState
}

// Run proposes the edits the dismissals of one repository's rules call for, through w:
// the rules are read at the head of the default branch; when there is something to
// propose, the branch Branch is pushed with one commit on that head and a pull or merge
// request from it is opened or updated with the evidence. The evidence is all the
// dismissals, so a run after more evidence came rewrites the same branch and request.
// Nothing is ever merged. Rules whose edit cannot be made are reported in the error,
// the others still proposed.
func Run(ctx context.Context, w reviewer.ProposalWriter, forge, repo string, ds []Dismissal, cfg Config) (Result, error) {
	res := Result{Forge: forge, Repo: repo}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	var mine []Dismissal
	for _, d := range ds {
		if d.Forge == forge && d.Repo == repo {
			mine = append(mine, d)
		}
	}
	if len(mine) == 0 {
		return res, nil
	}
	branch, sha, err := w.DefaultBranch(ctx, repo)
	if err != nil {
		return res, err
	}
	fsys, err := readRules(ctx, w, reviewer.Change{Forge: forge, Repo: repo, BaseSHA: sha}, sha, cfg.Rules.RulesDir)
	if err != nil {
		return res, err
	}
	set, err := rules.LoadRepo(fsys, cfg.Rules)
	if err != nil {
		return res, fmt.Errorf("read the rules of %s at %s: %w", repo, branch, err)
	}
	ps := Plan(set, mine, cfg.Thresholds, cfg.Now)
	if len(ps) == 0 {
		return res, nil
	}
	edits, applyErr := Apply(fsys, set, ps, Options{Mask: cfg.Mask, RulesDir: cfg.Rules.RulesDir})
	if len(edits) == 0 {
		return res, applyErr
	}
	ps = slices.DeleteFunc(ps, func(p Proposal) bool {
		return !slices.ContainsFunc(edits, func(e FileEdit) bool { return slices.Contains(e.Rules, p.RuleID) })
	})
	res.Proposals, res.Edits, res.Patch = ps, edits, Diff(edits)
	if cfg.DryRun {
		return res, applyErr
	}
	files := map[string][]byte{}
	var ids []string
	for _, e := range edits {
		files[e.Path] = e.New
		ids = append(ids, e.Rules...)
	}
	msg := "reviewer learn: tune " + strings.Join(ids, ", ") + "\n\nFrom the findings people dismissed in the bot's threads; see the pull or merge request."
	if _, err := w.PushBranch(ctx, repo, sha, Branch, msg, files); err != nil {
		return res, errors.Join(err, applyErr)
	}
	link := cfg.Link
	if link == nil {
		link = func(Dismissal) string { return "" }
	}
	res.URL, res.State, err = w.OpenProposal(ctx, repo, Branch, branch, Title, Describe(ps, link))
	return res, errors.Join(err, applyErr)
}

// readRules reads the rules files and settings at rev (rulesDir, when set, is the
// operator's rules directory), and the rules directory the settings name.
func readRules(ctx context.Context, w reviewer.TreeReader, c reviewer.Change, rev, rulesDir string) (fs.FS, error) {
	fsys, err := w.Tree(ctx, c, rev, rules.SourcePaths(rulesDir))
	if err != nil {
		return nil, fmt.Errorf("read the rules of %s at %s: %w", c.Repo, rev, err)
	}
	if rulesDir != "" {
		return fsys, nil
	}
	data, err := fs.ReadFile(fsys, rules.SettingsFile)
	if err != nil {
		return fsys, nil
	}
	s, err := rules.ParseSettings(rules.SettingsFile, data)
	if err != nil || s.RulesDir == "" || s.RulesDir == rules.DefaultRulesDir {
		return fsys, nil // LoadRepo reports a bad file with its line
	}
	more, err := w.Tree(ctx, c, rev, []string{s.RulesDir})
	if err != nil {
		return nil, fmt.Errorf("read the rules of %s at %s: %w", c.Repo, rev, err)
	}
	return overlay{fsys, more}, nil
}

// overlay reads a name from the first file system that has it.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	var err error
	for _, f := range o {
		var file fs.File
		if file, err = f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, err
}
