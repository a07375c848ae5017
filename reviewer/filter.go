package reviewer

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
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

// maxLineBytes is the longest line the model is shown. Longer lines are minified or
// generated output in practice and would cost the model budget for nothing, so each is
// masked on its own (maskLongLines); a long line never takes the rest of its file out of
// review, since the change under review writes it.
const maxLineBytes = 5000

// generatedScanLines bounds how far into a file the generated-code markers are looked for:
// tools write them in the header, and scanning the whole file would flag files that merely
// mention the marker.
const generatedScanLines = 30

// Filter decides which files of a change are reviewed. The zero value uses the default
// noise list and no extra globs.
//
// What a file holds can take it out of review only as its base version says: a file whose
// header in the base revision carries a generated-code marker is filtered as generated. A
// marker the change writes itself (into a new file, or into the header of a file that had
// none) is ignored, as is a long line, so that a change can not switch its own review off.
// A new file is filtered only by its path: the noise list and the ignore globs, which come
// from the operator and from the base revision's .reviewer.yaml.
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

// Check returns the outcome for one file as far as the diff alone can tell it: by its
// status, its path, and the base lines the diff shows (context and deleted lines). A
// generated-code marker on an added line does not filter the file; Review asks the base
// revision about such a file.
func (f Filter) Check(file *diff.File) (Outcome, string) {
	v := f.check(file)
	return v.outcome, v.reason
}

// verdict is the filter's answer for one file.
type verdict struct {
	outcome Outcome
	reason  string
	// content is set when the file was filtered for what its base version holds (a
	// generated-code header), not for its path: the change under review still wrote the
	// changed lines, so they may not switch off the secret rules.
	content bool
	// glob is set when an ignore glob (the operator's or the base revision's) filtered
	// the file: a decision of the team's, not of the change's.
	glob bool
	// askBase is set for a reviewed file with a base version whose header, as the
	// change has it, carries a generated-code marker on an added line: only the base
	// version can say whether the file was generated before the change.
	askBase bool
	// note says why a reviewed file was not filtered although it looks generated.
	note string
}

func (f Filter) check(file *diff.File) verdict {
	switch {
	case file.Status == diff.StatusDeleted:
		return verdict{outcome: OutcomeFiltered, reason: "deleted"}
	case file.Submodule:
		return verdict{outcome: OutcomeFiltered, reason: "submodule"}
	case file.Binary:
		return verdict{outcome: OutcomeFiltered, reason: "binary"}
	case len(file.Hunks) == 0:
		return verdict{outcome: OutcomeFiltered, reason: noContentReason(file)}
	case file.AddedLines() == 0 && onlyBlankRemoved(file):
		// A file that only loses code is reviewed: a removed check is a change.
		return verdict{outcome: OutcomeFiltered, reason: "only blank lines removed"}
	}
	reason, glob := f.pathReason(file.Path())
	if reason != "" {
		return verdict{outcome: OutcomeFiltered, reason: reason, glob: glob}
	}
	base, added := headerMarkers(file)
	switch {
	case base != "":
		return verdict{outcome: OutcomeFiltered, reason: "generated (" + base + ")", content: true}
	case added == "":
		return verdict{outcome: OutcomeReviewed}
	case !hasBase(file):
		return verdict{outcome: OutcomeReviewed, note: "generated-code header ignored: a new file"}
	}
	return verdict{outcome: OutcomeReviewed, askBase: true}
}

// pathReason is why the filter leaves out a file at p by its path alone, or "": the
// default noise list, then the ignore globs, the last matching one winning. glob says an
// ignore glob decided.
func (f Filter) pathReason(p string) (reason string, glob bool) {
	if !f.NoDefaults {
		reason = noiseReason(p)
	}
	for _, g := range f.Ignore {
		neg := strings.HasPrefix(g, "!")
		if globMatch(strings.TrimPrefix(g, "!"), p) {
			if neg {
				reason, glob = "", false
			} else {
				reason, glob = "ignored by "+g, true
			}
		}
	}
	return reason, glob
}

// noiseReason is the reason of the first entry of the default noise list that matches p,
// or "".
func noiseReason(p string) string {
	for _, n := range noise {
		if globMatch(n.glob, p) {
			return n.reason
		}
	}
	return ""
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

// hasBase reports whether the file has a version in the base revision: the one at its old
// path (a renamed or copied file's source).
func hasBase(f *diff.File) bool {
	return f.Status != diff.StatusAdded && f.OldPath != ""
}

// headerMarkers looks for generated-code markers in the header lines the diff shows. base
// is one on a line the base version has (a context or deleted line): the base says the
// file is generated. added is one on an added line: what the change says, which counts
// only if the base version says so too.
func headerMarkers(f *diff.File) (base, added string) {
	for i := range f.Hunks {
		h := &f.Hunks[i]
		for j := range h.Lines {
			l := &h.Lines[j]
			switch {
			case l.Kind == diff.Added:
				if added == "" && l.NewLine <= generatedScanLines && isGeneratedMarker(l.Content) {
					added = strings.TrimSpace(l.Content)
				}
			case l.OldLine <= generatedScanLines && isGeneratedMarker(l.Content):
				return strings.TrimSpace(l.Content), added
			}
		}
	}
	return "", added
}

// baseMarker returns the generated-code marker in the header of a base version of a file,
// or "". Only the header is looked at, however large the file.
func baseMarker(data []byte) string {
	for range generatedScanLines {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		if len(line) <= maxLineBytes {
			if m := string(line); isGeneratedMarker(m) {
				return strings.TrimSpace(m)
			}
		}
		if len(rest) == 0 {
			break
		}
		data = rest
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

// noCodeExt are the extensions of documents, data tables and text assets: files a change
// can add to without adding code (see holdsCode).
var noCodeExt = map[string]bool{
	".md": true, ".markdown": true, ".rst": true, ".txt": true, ".text": true, ".adoc": true, ".asciidoc": true,
	".csv": true, ".tsv": true, ".json": true, ".svg": true, ".po": true, ".pot": true,
}

// binaryCode are the extensions of binary files that run: Java archives and classes (a
// Gradle or Maven wrapper's jar runs on every build), native libraries and executables,
// WebAssembly, compiled Python and Node add-ons. A change that adds or changes one adds
// code no one can read in the diff.
var binaryCode = map[string]bool{
	".jar": true, ".war": true, ".class": true, ".so": true, ".dylib": true, ".dll": true, ".exe": true,
	".wasm": true, ".pyc": true, ".node": true, ".a": true, ".o": true, ".elf": true,
}

// codeNames are files named like text, data or secrets that tools run: cmake a
// CMakeLists.txt (a vendored library's too, through add_subdirectory), npm and composer
// the scripts of a package.json or composer.json, direnv an .envrc (a shell script), npm
// the registry and node options of an .npmrc. They hold code whatever their extension, and
// whether or not they are withheld for the secrets they may hold.
var codeNames = map[string]bool{"cmakelists.txt": true, "package.json": true, "composer.json": true, ".envrc": true, ".npmrc": true}

// noCodeNoise are the reasons of the noise list for files that hold no code of their own:
// lock files and source maps are written by tools from a manifest or a source that is
// itself in review, and snapshots are recorded test output.
var noCodeNoise = map[string]bool{"lock file": true, "source map": true, "snapshot": true}

// holdsCode reports whether the change adds code to f, so that leaving f out of review
// (filtered, withheld, or lines too long to show) leaves code of the change unreviewed. A
// change adds code to a file when it adds a line that is not blank to a file that is not,
// by its new path, one of the kinds that hold no code:
//   - a dependency lock file, a source map or a test snapshot (noCodeNoise), by its
//     name;
//   - a document, a data table or a text asset: Markdown, reStructuredText, AsciiDoc, plain
//     text, CSV, TSV, JSON, SVG, gettext catalogues (noCodeExt), but for the build and
//     package scripts named so (codeNames);
//   - a key, credential or environment file (redact.Withheld), but for those tools run
//     (codeNames): those hold secrets, which are never sent; a file withheld only for its
//     old path (.env renamed to run.sh) is judged by its new one.
//
// A binary file holds code when it is of a kind that runs (binaryCode); other binary
// files (images, fonts, archives of data) do not. Deleted files and files with only
// deletions add no line. Every other kind of file counts as code, so that a kind not listed errs on the side of "not all
// reviewed" rather than of a clean pass.
func holdsCode(f *diff.File) bool {
	if f.Status == diff.StatusDeleted || f.Submodule || f.NewPath == "" {
		return false
	}
	p := f.NewPath
	if f.Binary {
		return binaryCode[strings.ToLower(path.Ext(p))]
	}
	// The kinds that hold no code are known by the file's own name (go.sum, *.js.map,
	// *.snap), never by the directory it is in: a change can put a module of its own in
	// a __snapshots__ directory, and import it from anywhere.
	if noCodeNoise[noiseReason(path.Base(p))] || noCodeExt[strings.ToLower(path.Ext(p))] && !codeNames[strings.ToLower(path.Base(p))] {
		return false
	}
	if _, ok := redact.Withheld(p); ok && !codeNames[strings.ToLower(path.Base(p))] {
		return false
	}
	for i := range f.Hunks {
		for _, l := range f.Hunks[i].Lines {
			if l.Kind == diff.Added && strings.TrimSpace(l.Content) != "" {
				return true
			}
		}
	}
	return false
}

// longLines returns the new line numbers of the added lines longer than maxLineBytes.
func longLines(f *diff.File) []int {
	var out []int
	for i := range f.Hunks {
		for _, l := range f.Hunks[i].Lines {
			if l.Kind == diff.Added && len(l.Content) > maxLineBytes {
				out = append(out, l.NewLine)
			}
		}
	}
	return out
}

// longLinesNote is the ledger's account of the long added lines of a file the model was
// shown without them.
func longLinesNote(lines []int, f *diff.File) string {
	size := 0
	for i := range f.Hunks {
		for _, l := range f.Hunks[i].Lines {
			if l.Kind == diff.Added && l.NewLine == lines[0] {
				size = len(l.Content)
			}
		}
	}
	if len(lines) == 1 {
		return fmt.Sprintf("line %d (%d bytes) not shown to the model", lines[0], size)
	}
	return fmt.Sprintf("%d lines over %d bytes not shown to the model, the first line %d (%d bytes)", len(lines), maxLineBytes, lines[0], size)
}

// maskLongLines returns f with every line longer than maxLineBytes replaced by a
// placeholder that gives its size, and f itself when it has none. The pattern rules see
// the lines as they are; only the model is spared them.
func maskLongLines(f *diff.File) *diff.File {
	var hunks []diff.Hunk
	for i := range f.Hunks {
		var lines []diff.Line
		for j, l := range f.Hunks[i].Lines {
			if len(l.Content) <= maxLineBytes {
				continue
			}
			if hunks == nil {
				hunks = slices.Clone(f.Hunks)
			}
			if lines == nil {
				lines = slices.Clone(f.Hunks[i].Lines)
				hunks[i].Lines = lines
			}
			lines[j].Content = fmt.Sprintf("«line of %d bytes, not shown»", len(l.Content))
		}
	}
	if hunks == nil {
		return f
	}
	c := *f
	c.Hunks = hunks
	return &c
}

// applyFilter puts every file in the ledger and returns those to review, and those
// filtered for what their base version holds (for the secret rules). A file that looks
// generated only for a header on an added line is reviewed unless its base version, read
// through the diff source when it is also a TreeReader, has the header too. Where there is
// no base version to read (a patch file reviewed without git, a diff source that can not
// read files), or reading it fails, the file is reviewed: that costs tokens, never
// coverage. A filtered file with code the change added is marked Unseen.
func applyFilter(ctx context.Context, src any, c Change, files []*diff.File, f Filter, log *slog.Logger) (reviewed, filtered []*diff.File, ledger Coverage) {
	ledger = Coverage{Files: make([]FileCoverage, 0, len(files))}
	reviewed = make([]*diff.File, 0, len(files))
	verdicts := make([]verdict, len(files))
	var ask []string
	for i, file := range files {
		verdicts[i] = f.check(file)
		if verdicts[i].askBase {
			ask = append(ask, file.OldPath)
		}
	}
	markers, why := baseMarkers(ctx, src, c, ask, log)
	for i, file := range files {
		v := verdicts[i]
		if v.askBase {
			if m := markers[file.OldPath]; m != "" {
				v = verdict{outcome: OutcomeFiltered, reason: "generated (" + m + ")", content: true}
			} else {
				v.note = why
			}
		}
		fc := FileCoverage{Path: file.Path(), Outcome: v.outcome, Reason: v.reason}
		switch {
		case v.outcome == OutcomeReviewed:
			fc.Reason = v.note
			reviewed = append(reviewed, file)
		case v.content:
			filtered = append(filtered, file)
		}
		fc.Unseen = v.outcome == OutcomeFiltered && !v.glob && holdsCode(file)
		ledger.Files = append(ledger.Files, fc)
	}
	return reviewed, filtered, ledger
}

// baseMarkers reads the base versions of the files at paths and returns the
// generated-code marker of each whose header has one. why says, for the files without, why
// their header was ignored.
func baseMarkers(ctx context.Context, src any, c Change, paths []string, log *slog.Logger) (markers map[string]string, why string) {
	if len(paths) == 0 {
		return nil, ""
	}
	tr, ok := src.(TreeReader)
	if !ok || c.BaseSHA == "" {
		return nil, "generated-code header ignored: no base version to check it against"
	}
	fsys, err := tr.Tree(ctx, c, c.BaseSHA, paths)
	if err != nil {
		log.WarnContext(ctx, "base versions not read, files with a generated-code header reviewed", slog.String("error", err.Error()))
		return nil, "generated-code header ignored: the base version could not be read"
	}
	markers = map[string]string{}
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			continue
		}
		if m := baseMarker(data); m != "" {
			markers[p] = m
		}
	}
	return markers, "generated-code header ignored: not in the base version"
}

// onlyBlankRemoved reports whether every line file removes is blank.
func onlyBlankRemoved(file *diff.File) bool {
	for i := range file.Hunks {
		for _, l := range file.Hunks[i].Lines {
			if l.Kind == diff.Deleted && strings.TrimSpace(l.Content) != "" {
				return false
			}
		}
	}
	return true
}
