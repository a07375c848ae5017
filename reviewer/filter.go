package reviewer

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// noise is the default list of files not worth a reviewer's attention, each with the reason
// the coverage ledger gives. Users extend it with ignore globs and override an entry with a
// "!" glob (see Filter).
var noise = []struct {
	glob, reason string
}{
	// Dependency lock files: machine-written, reviewed through their manifests.
	{"package-lock.json", "lock file"},
	{"npm-shrinkwrap.json", "lock file"},
	{"yarn.lock", "lock file"},
	{"pnpm-lock.yaml", "lock file"},
	{"bun.lockb", "lock file"},
	{"bun.lock", "lock file"},
	{"go.sum", "lock file"},
	{"go.work.sum", "lock file"},
	{"Cargo.lock", "lock file"},
	{"poetry.lock", "lock file"},
	{"Pipfile.lock", "lock file"},
	{"uv.lock", "lock file"},
	{"pdm.lock", "lock file"},
	{"composer.lock", "lock file"},
	{"Gemfile.lock", "lock file"},
	{"mix.lock", "lock file"},
	{"flake.lock", "lock file"},
	{"packages.lock.json", "lock file"},
	{"gradle.lockfile", "lock file"},
	{"Package.resolved", "lock file"},
	{"pubspec.lock", "lock file"},
	// Vendored and installed third-party trees.
	{"**/vendor/**", "vendored"},
	{"**/node_modules/**", "vendored"},
	{"**/bower_components/**", "vendored"},
	// Minified and bundled assets.
	{"*.min.js", "minified"},
	{"*.min.mjs", "minified"},
	{"*.min.css", "minified"},
	{"*.bundle.js", "minified"},
	{"*.js.map", "source map"},
	{"*.css.map", "source map"},
	// Conventional names of generated code.
	{"*.pb.go", "generated"},
	{"*_pb2.py", "generated"},
	{"*_pb2_grpc.py", "generated"},
	{"*.pb.h", "generated"},
	{"*.pb.cc", "generated"},
	{"zz_generated*.go", "generated"},
	{"*.generated.*", "generated"},
	{"**/__snapshots__/**", "snapshot"},
	{"*.snap", "snapshot"},
}

// maxLineBytes is the longest changed line a reviewed file may have. Longer lines are
// minified or generated output in practice, and would cost the model budget for nothing.
const maxLineBytes = 5000

// generatedScanLines bounds how far into a file the generated-code markers are looked for:
// tools write them in the header, and scanning the whole file would flag files that merely
// mention the marker.
const generatedScanLines = 30

// Filter decides which files of a change are reviewed. The zero value uses the default
// noise list and no extra globs.
type Filter struct {
	// Ignore are extra doublestar globs of files not to review, from review.ignore and the
	// repository's .reviewer.yaml. A glob without a slash matches the base name in any
	// directory. A glob starting with "!" re-includes what an earlier glob or the default
	// noise list left out; the last matching glob wins, as in .gitignore.
	Ignore []string
	// NoDefaults turns off the default noise list.
	NoDefaults bool
}

// Validate reports the first ignore glob that is not a valid pattern.
func (f Filter) Validate() error {
	for _, g := range f.Ignore {
		if !doublestar.ValidatePattern(strings.TrimPrefix(g, "!")) {
			return fmt.Errorf("ignore glob %q is not a valid pattern", g)
		}
	}
	return nil
}

// Check returns the outcome for one file: OutcomeReviewed, or OutcomeFiltered with the
// reason.
func (f Filter) Check(file *diff.File) (Outcome, string) {
	o, why, _ := f.check(file)
	return o, why
}

// check is Check, and also says whether the file was filtered for what its own changed
// lines say (a generated-code header, a minified line): the change under review wrote
// those, so they may not switch off the secret rules.
func (f Filter) check(file *diff.File) (Outcome, string, bool) {
	switch {
	case file.Status == diff.StatusDeleted:
		return OutcomeFiltered, "deleted", false
	case file.Submodule:
		return OutcomeFiltered, "submodule", false
	case file.Binary:
		return OutcomeFiltered, "binary", false
	case len(file.Hunks) == 0:
		return OutcomeFiltered, noContentReason(file), false
	case file.AddedLines() == 0:
		return OutcomeFiltered, "only deletions", false
	}
	p := file.Path()
	reason := ""
	if !f.NoDefaults {
		for _, n := range noise {
			if globMatch(n.glob, p) {
				reason = n.reason
				break
			}
		}
	}
	for _, g := range f.Ignore {
		neg := strings.HasPrefix(g, "!")
		if globMatch(strings.TrimPrefix(g, "!"), p) {
			if neg {
				reason = ""
			} else {
				reason = "ignored by " + g
			}
		}
	}
	if reason != "" {
		return OutcomeFiltered, reason, false
	}
	if r := contentReason(file); r != "" {
		return OutcomeFiltered, r, true
	}
	return OutcomeReviewed, "", false
}

func noContentReason(f *diff.File) string {
	switch {
	case f.Status == diff.StatusRenamed:
		return "renamed without changes"
	case f.Status == diff.StatusCopied:
		return "copied without changes"
	case f.OldMode != "" && f.NewMode != "" && f.OldMode != f.NewMode:
		return "mode change only"
	case f.Status == diff.StatusAdded:
		return "empty file"
	}
	return "no changed lines"
}

// contentReason looks at the changed lines for generated-code markers and minified lines.
func contentReason(f *diff.File) string {
	for i := range f.Hunks {
		h := &f.Hunks[i]
		for j := range h.Lines {
			l := &h.Lines[j]
			if l.Kind == diff.Deleted {
				continue
			}
			if l.NewLine <= generatedScanLines && isGeneratedMarker(l.Content) {
				return "generated (" + strings.TrimSpace(l.Content) + ")"
			}
			if l.Kind == diff.Added && len(l.Content) > maxLineBytes {
				return fmt.Sprintf("minified or generated (line %d is %d bytes)", l.NewLine, len(l.Content))
			}
		}
	}
	return ""
}

// generatedMarker is a whole header-comment line that says the file is generated: Go's
// standard "Code generated ... DO NOT EDIT." (in any language's line or block comment) and
// the "@generated" tag of Facebook's and other generators at the start of a comment. The
// marker must be the whole comment: a change can not get a file out of review by merely
// mentioning it.
var generatedMarker = regexp.MustCompile(`^\s*(?://|#|/?\*+|--|<!--|;+)\s*(?:Code generated .* DO NOT EDIT\.?|@generated\b.*)\s*(?:\*/|-->)?\s*$`)

func isGeneratedMarker(s string) bool {
	if !strings.Contains(s, "@generated") && !strings.Contains(s, "DO NOT EDIT") {
		return false
	}
	return generatedMarker.MatchString(s)
}

// globMatch matches a doublestar glob against a slash-separated repository path. A glob
// without a slash matches the base name, so "*.lock" means every lock file, wherever it is.
func globMatch(glob, p string) bool {
	if !strings.Contains(glob, "/") {
		ok, _ := doublestar.Match(glob, path.Base(p))
		return ok
	}
	ok, _ := doublestar.Match(strings.TrimPrefix(glob, "/"), p)
	if !ok && strings.HasPrefix(glob, "**/") {
		// "**/vendor/**" must also match "vendor/x" at the root: doublestar's "**/" already
		// matches zero directories, so this is only a safeguard for patterns like "**/x".
		ok, _ = doublestar.Match(strings.TrimPrefix(glob, "**/"), p)
	}
	return ok
}
