package reviewer

import (
	"fmt"
	"path"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// TierLevel is how much review a change gets. The levels are ordered: a higher one runs
// at least as much as a lower one.
type TierLevel uint8

// The tiers. TierAuto is only a setting (review.tier): decide from the change.
const (
	TierAuto TierLevel = iota
	TierTrivial
	TierLite
	TierFull
)

// String returns "auto", "trivial", "lite" or "full".
func (t TierLevel) String() string {
	switch t {
	case TierTrivial:
		return "trivial"
	case TierLite:
		return "lite"
	case TierFull:
		return "full"
	}
	return "auto"
}

// ParseTier reads a tier's name, ignoring case and surrounding space; "" is TierAuto.
func ParseTier(s string) (TierLevel, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return TierAuto, nil
	case "trivial":
		return TierTrivial, nil
	case "lite":
		return TierLite, nil
	case "full":
		return TierFull, nil
	}
	return TierAuto, fmt.Errorf("unknown tier %q (want auto, trivial, lite or full)", s)
}

// TierPlan is what a tier runs.
type TierPlan struct {
	// AskModel is false when the tier runs the pattern rules only and sends nothing.
	AskModel bool
	// Model names the model the tier asks first (gateway.models.<tier>), before the
	// gateway's fallback models; "" is the gateway's model (gateway.model).
	Model string
	// ContextTokens bounds the code around the hunks the model is shown (the enclosing
	// scope, the file's head): a knob for the static context (issue #12, item 1).
	ContextTokens int
	// Tools lets the model ask for files and searches (issue #12, item 3).
	Tools bool
	// Verify runs the verification pass on the tier's findings (issue #12, item 4).
	Verify bool
}

// TierOptions decide a change's tier and what each tier runs. The zero value decides
// from the change with DefaultTierPlans and DefaultLargeChangeLines.
type TierOptions struct {
	// Force, when not TierAuto, is the tier of every change (review.tier): the operator's
	// choice, above the repository's floor and what the change touches.
	Force TierLevel
	// LargeChangeLines is the number of changed lines (added and deleted, lock files left
	// out) above which a change is full; 0 is DefaultLargeChangeLines.
	LargeChangeLines int
	// Plans are what each tier runs, by TierLevel (index 0, TierAuto, is unused); a zero
	// Plans is DefaultTierPlans.
	Plans [TierFull + 1]TierPlan
}

// DefaultLargeChangeLines is TierOptions.LargeChangeLines when unset.
const DefaultLargeChangeLines = 400

// trivialConfigLines is the most changed lines of configuration a trivial change holds.
const trivialConfigLines = 20

// DefaultTierPlans are the plans of the tiers when TierOptions.Plans is unset. A trivial
// change runs the pattern rules only: it changes no line of code (documentation,
// comments, lock files, a small edit to configuration outside the security-sensitive
// paths, renames), the secret and pattern rules still read every line of it, and a model
// asked about prose or hashes finds what it always finds there, nitpicks. Lite asks the
// model with a little context and no tools; full with the most.
func DefaultTierPlans() [TierFull + 1]TierPlan {
	return [TierFull + 1]TierPlan{
		TierTrivial: {},
		TierLite:    {AskModel: true, ContextTokens: 2000, Verify: true},
		TierFull:    {AskModel: true, ContextTokens: 8000, Tools: true, Verify: true},
	}
}

// Tier is the tier a change got, why, and what it runs.
type Tier struct {
	Level TierLevel
	// Reasons say, briefly, why: what the change touches and how much, a floor or a
	// forced tier. They name classes and counts, never a path of the change.
	Reasons []string
	Plan    TierPlan
}

// reviewConfigFiles are the files that steer the review itself: the repository's
// settings and rules, and the instructions files the rules importers read. A change
// that edits them is full: it could be writing itself an easier review next time.
var reviewConfigFiles = []string{".reviewer.yaml", ".reviewer/", ".github/copilot-instructions.md", ".github/instructions/", ".gitlab/duo/"}

// lockFiles are dependency lock files by base name: machine-written, their changes are
// versions and hashes a model cannot check.
var lockFiles = map[string]bool{
	"go.sum": true, "package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true,
	"pnpm-lock.yaml": true, "bun.lockb": true, "cargo.lock": true, "poetry.lock": true, "pipfile.lock": true,
	"uv.lock": true, "gemfile.lock": true, "composer.lock": true, "mix.lock": true, "pubspec.lock": true,
	"packages.lock.json": true, "gradle.lockfile": true, "flake.lock": true,
}

// buildFiles are configuration files that run or fetch code when the project is built or
// installed (package.json's scripts, a Makefile's recipes, go.mod's replace directives):
// however small their change, it is code.
var buildFiles = map[string]bool{
	"package.json": true, "makefile": true, "gnumakefile": true, "build.gradle": true, "build.gradle.kts": true,
	"settings.gradle": true, "settings.gradle.kts": true, "pom.xml": true, "pyproject.toml": true, "setup.cfg": true,
	"cargo.toml": true, "go.mod": true, "go.work": true, "gemfile": true, "composer.json": true, ".npmrc": true,
	".yarnrc": true, ".yarnrc.yml": true, "tox.ini": true, "build.sbt": true, "cmakelists.txt": true,
	"pipfile": true, "conanfile.txt": true, ".pre-commit-config.yaml": true,
}

// isBuildFile reports whether the file at lower-case path p, of base name base, is a
// build file: one of buildFiles, a .mk, or a pip requirements or constraints file
// (requirements-dev.txt, requirements/base.txt), whose lines fetch and run code at
// install.
func isBuildFile(p, base string) bool {
	if buildFiles[base] || path.Ext(base) == ".mk" {
		return true
	}
	if path.Ext(base) != ".txt" {
		return false
	}
	return strings.HasPrefix(base, "requirements") || strings.HasPrefix(base, "constraints") ||
		strings.HasPrefix(p, "requirements/") || strings.Contains(p, "/requirements/")
}

// docExts are the extensions of prose: a file with one is documentation wherever it is.
var docExts = map[string]bool{".md": true, ".markdown": true, ".rst": true, ".adoc": true, ".txt": true}

// modeExecutable is git's mode of an executable file.
const modeExecutable = "100755"

// docNames are the base names, without an extension, of prose.
var docNames = map[string]bool{
	"license": true, "licence": true, "copying": true, "changelog": true, "authors": true, "contributors": true, "notice": true,
}

// isProse reports whether a lower-case base name is prose: a docs/ directory makes a
// path documentation, but a Dockerfile, a component or a script in it is code.
func isProse(base string) bool {
	return docExts[path.Ext(base)] || docNames[base]
}

// assignTier decides the tier of a change before any model request. reviewed are the
// files the review covers (after the filters); all are every file of the change, for the
// files that steer the review itself, which count even when filtered. rulesDir is the
// base's rules directory when it is not .reviewer/rules; floor the base's .reviewer.yaml
// tier (TierAuto for none). A change can only raise its own tier: everything it
// touches adds to the tier, nothing it adds lowers it, and the floor is read from the
// base.
func assignTier(reviewed, all []*diff.File, rulesDir string, floor TierLevel, opts TierOptions) Tier {
	level, reasons := changeTier(reviewed, all, rulesDir, largeLines(opts))
	if floor > level {
		reasons = append(reasons, fmt.Sprintf("raised to %s by the repository's .reviewer.yaml", floor))
		level = floor
	}
	if opts.Force != TierAuto && opts.Force != level {
		reasons = append(reasons, fmt.Sprintf("set to %s by review.tier (the change alone is %s)", opts.Force, level))
		level = opts.Force
	}
	plans := opts.Plans
	if plans == ([TierFull + 1]TierPlan{}) {
		plans = DefaultTierPlans()
	}
	return Tier{Level: level, Reasons: reasons, Plan: plans[level]}
}

func largeLines(opts TierOptions) int {
	if opts.LargeChangeLines > 0 {
		return opts.LargeChangeLines
	}
	return DefaultLargeChangeLines
}

// tally counts what a change touches.
type tally struct {
	security, code, docs, comments, locks, configs, renames, other int
	changed, configLines                                           int
}

func changeTier(reviewed, all []*diff.File, rulesDir string, large int) (TierLevel, []string) {
	for _, f := range all {
		if steersReview(f, rulesDir) {
			return TierFull, []string{"changes the review's own settings, rules or instructions files"}
		}
	}
	var t tally
	for _, f := range reviewed {
		t.add(f)
	}
	switch {
	case t.security > 0:
		return TierFull, []string{plural(t.security, "security-sensitive file") + " (authentication, secrets, CI, infrastructure or migrations)"}
	case t.changed > large:
		return TierFull, []string{fmt.Sprintf("%d changed lines, more than %d", t.changed, large)}
	case t.code+t.other > 0:
		why := fmt.Sprintf("code changes in %s, %d changed lines", plural(t.code+t.other, "file"), t.changed)
		return TierLite, []string{why}
	case t.configLines > trivialConfigLines:
		return TierLite, []string{fmt.Sprintf("%d changed lines of configuration, more than %d", t.configLines, trivialConfigLines)}
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{
		{t.docs, "documentation"}, {t.comments, "comments"}, {t.locks, "lock files"},
		{t.configs, fmt.Sprintf("configuration (%d lines)", t.configLines)}, {t.renames, "renames"},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s in %s", p.what, plural(p.n, "file")))
		}
	}
	if len(parts) == 0 {
		return TierTrivial, []string{"nothing to review"}
	}
	return TierTrivial, []string{"only " + strings.Join(parts, ", ")}
}

func (t *tally) add(f *diff.File) {
	n := f.AddedLines() + f.DeletedLines()
	base := strings.ToLower(path.Base(f.Path()))
	cls := chunk.Classify(f.Path())
	if f.OldPath != "" && f.OldPath != f.Path() {
		// A rename is as sensitive as the more sensitive of its two paths.
		if old := chunk.Classify(f.OldPath); old == chunk.ClassSecurity || cls == chunk.ClassDocs && old != chunk.ClassDocs {
			cls = old
		}
	}
	switch {
	case cls == chunk.ClassSecurity:
		t.security++
		t.changed += n
	case lockFiles[base]:
		t.locks++
	case f.Submodule, f.Binary && cls != chunk.ClassDocs, f.OldMode != f.NewMode && f.OldMode != "" && f.NewMode != "":
		// A submodule pulls in code, a binary cannot be read, an executable bit makes a script runnable.
		t.other++
		t.changed += n
	case isBuildFile(strings.ToLower(f.Path()), base):
		t.code++
		t.changed += n
	case n == 0 && f.Status == diff.StatusRenamed && chunk.Classify(f.OldPath) == chunk.Classify(f.NewPath):
		// Moving a file from tests to sources (say) changes what is built: that is code.
		t.renames++
	case cls == chunk.ClassDocs && isProse(base) && !f.Binary && f.NewMode != modeExecutable:
		// An executable file is a program, whatever its name says (./setup.md with a shebang).
		t.docs++
		t.changed += n
	case cls == chunk.ClassDocs && f.Binary && f.NewMode != modeExecutable:
		t.docs++
	case commentOnly(f):
		t.comments++
		t.changed += n
	case cls == chunk.ClassConfig:
		t.configs++
		t.configLines += n
		t.changed += n
	default:
		t.code++
		t.changed += n
	}
}

// steersReview reports whether f is one of the files that configure the review itself,
// at either of its paths.
func steersReview(f *diff.File, rulesDir string) bool {
	for _, p := range []string{f.OldPath, f.NewPath} {
		if p == "" {
			continue
		}
		for _, c := range reviewConfigFiles {
			if p == c || strings.HasSuffix(c, "/") && strings.HasPrefix(p, c) {
				return true
			}
		}
		if rulesDir != "" && rulesDir != "." && strings.HasPrefix(p, rulesDir+"/") {
			return true
		}
	}
	return false
}
