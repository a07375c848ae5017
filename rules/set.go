package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

// DefaultRulesDir is where a repository keeps its rules files unless it says otherwise.
const DefaultRulesDir = ".reviewer/rules"

// RepoOptions say where LoadRepo finds a repository's rules. The zero value reads
// everything from the default places.
type RepoOptions struct {
	// RulesDir overrides the rules directory. Empty means the rules_dir of
	// .reviewer.yaml, else DefaultRulesDir. A directory named here or in rules_dir must
	// exist; DefaultRulesDir may be missing either way.
	RulesDir string
	// NoBuiltin leaves out the built-in rules.
	NoBuiltin bool
	// Disable holds rule ids to drop, on top of the disable list of .reviewer.yaml.
	Disable []string
}

// Set is the rule set for one review: every rule that applies to the repository, and
// its settings. Build it with LoadRepo or NewSet; the Rules slice and the rules in it
// must not change after the first call to ForPath or PatternRulesFor.
type Set struct {
	// Rules are sorted by id, ids unique.
	Rules    []*Rule
	Settings Settings

	once sync.Once
	idx  *setIndex
}

// NewSet returns a Set of rules (sorted by id here) and settings. The rules must be
// compiled (see Rule.Compile) and their ids unique.
func NewSet(rules []*Rule, settings Settings) *Set {
	rules = slices.Clone(rules)
	sortByID(rules)
	return &Set{Rules: rules, Settings: settings}
}

func sortByID(rules []*Rule) {
	slices.SortStableFunc(rules, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
}

// LoadRepo reads the rules a review of the repository in fsys uses. fsys is the
// change's BASE revision as a filesystem (os.DirFS of a checkout or a git tree), so
// that a change cannot rewrite the rules it is judged by. It reads, each optional:
//
//   - .reviewer.yaml (ParseSettings);
//   - the rules directory (opts.RulesDir, else rules_dir of .reviewer.yaml, else
//     .reviewer/rules) with Load. A directory named by opts.RulesDir or rules_dir that
//     does not exist is an error; the default one, DefaultRulesDir, may be missing;
//   - the instructions files of GitHub Copilot and GitLab Duo (Import);
//   - the built-in rules (Builtin), unless opts.NoBuiltin.
//
// A repository rule (from the rules directory or an import) with the same id as a
// built-in rule replaces the built-in one: that is how a team tunes a built-in rule's
// paths, severity or wording. Two repository rules with one id are an error. Then the
// ids in opts.Disable and in the disable list of .reviewer.yaml are dropped; an id that
// matches no rule is an error, so a typo does not silently keep a rule on.
//
// Every problem found is returned at once, joined.
func LoadRepo(fsys fs.FS, opts RepoOptions) (*Set, error) {
	var errs []error
	settings, lines, err := readSettings(fsys)
	if err != nil {
		errs = append(errs, err)
	}
	// The directory someone named must exist: a typo or a directory missing from the
	// base revision would otherwise switch the team's rules off without a word. Only
	// the default place may be absent, since most repositories have no rules of their
	// own (the CLI names it explicitly as its default, so it counts as unnamed).
	dir, fromSettings := opts.RulesDir, false
	switch {
	case dir != "":
	case settings.RulesDir != "":
		dir, fromSettings = settings.RulesDir, true
	default:
		dir = DefaultRulesDir
	}
	dir, err = cleanDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rules dir: %w", err)
	}
	own, err := Load(fsys, dir)
	switch {
	case err == nil:
	case !errors.Is(err, fs.ErrNotExist) || exists(fsys, dir):
		errs = append(errs, err)
	case dir == DefaultRulesDir:
	case fromSettings:
		errs = append(errs, &Error{File: SettingsFile, Line: lines.rulesDir,
			Msg: fmt.Sprintf("rules_dir: directory %s does not exist", dir)})
	default:
		errs = append(errs, fmt.Errorf("rules dir %s does not exist", dir))
	}
	imported, err := Import(fsys)
	if err != nil {
		errs = append(errs, err)
	}
	own = append(own, imported...)
	if err := duplicateIDs(own); err != nil {
		errs = append(errs, err)
	}

	byID := map[string]*Rule{}
	if !opts.NoBuiltin {
		builtin, err := Builtin()
		if err != nil {
			errs = append(errs, err)
		}
		for _, r := range builtin {
			byID[r.ID] = r
		}
	}
	for _, r := range own {
		byID[r.ID] = r
	}

	for _, id := range opts.Disable {
		if _, ok := byID[id]; !ok {
			errs = append(errs, fmt.Errorf("disable: no rule has id %q", id))
		}
	}
	for i, id := range settings.Disable {
		if _, ok := byID[id]; !ok {
			errs = append(errs, &Error{File: SettingsFile, Line: lines.disable[i],
				Msg: fmt.Sprintf("disable: no rule has id %q", id)})
		}
	}
	for i, id := range settings.Inline {
		if _, ok := byID[id]; !ok {
			errs = append(errs, &Error{File: SettingsFile, Line: lines.inline[i],
				Msg: fmt.Sprintf("inline: no rule has id %q", id)})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, id := range opts.Disable {
		delete(byID, id)
	}
	for _, id := range settings.Disable {
		delete(byID, id)
	}
	rules := make([]*Rule, 0, len(byID))
	for _, r := range byID {
		rules = append(rules, r)
	}
	sortByID(rules)
	return &Set{Rules: rules, Settings: settings}, nil
}

func readSettings(fsys fs.FS) (Settings, settingsLines, error) {
	data, err := readOptional(fsys, SettingsFile)
	if data == nil || err != nil {
		return Settings{}, settingsLines{}, err
	}
	return parseSettings(SettingsFile, data)
}

// SourcePaths returns the paths, relative to the repository root, that LoadRepo reads
// when rulesDir is the rules directory ("" for DefaultRulesDir): the rules directory,
// SettingsFile, and the instructions files and directory of GitHub Copilot and GitLab
// Duo. Missing paths are fine.
//
// It is for callers that materialize only part of a revision (git ls-tree of some
// paths) before calling LoadRepo. The list cannot know about a rules_dir named in
// .reviewer.yaml: such a caller, when it has no rules dir of its own, must read
// SettingsFile first (ParseSettings) and then SourcePaths(settings.RulesDir). A file
// system that reads the revision lazily, on Open, needs none of this; and should a
// caller forget, LoadRepo reports the rules_dir as missing rather than skip it.
func SourcePaths(rulesDir string) []string {
	dir := DefaultRulesDir
	if rulesDir != "" {
		if d, err := cleanDir(rulesDir); err == nil {
			dir = d
		} else {
			dir = rulesDir // LoadRepo reports it
		}
	}
	return []string{dir, SettingsFile, copilotInstructionsFile, copilotInstructionsDir, duoInstructionsFile}
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

// setIndex makes ForPath cheap for the thousand files of a large change: rules whose
// Paths only match known extensions ("**/*.go", "**/*_test.go", "**/Dockerfile") are
// listed under those extensions, so a file is tested only against the rules of its
// extension plus the rules that may match any path.
type setIndex struct {
	rules    []*Rule          // sorted by id
	matchers []*matcher       // matchers[i] is rules[i]'s; nil when it does not compile
	byExt    map[string][]int // extension -> indexes into rules, ascending
	any      []int            // rules that may match any extension
}

func (s *Set) index() *setIndex {
	s.once.Do(func() {
		idx := &setIndex{byExt: map[string][]int{}}
		idx.rules = slices.Clone(s.Rules)
		sortByID(idx.rules)
		idx.matchers = make([]*matcher, len(idx.rules))
		for i, r := range idx.rules {
			m := r.compiled()
			if m == nil {
				continue
			}
			idx.matchers[i] = m
			keys, ok := m.paths.extKeys()
			if !ok {
				idx.any = append(idx.any, i)
				continue
			}
			for _, k := range dedup(keys) {
				idx.byExt[k] = append(idx.byExt[k], i)
			}
		}
		s.idx = idx
	})
	return s.idx
}

// Inline reports whether findings of r are posted as line comments: every rule's are,
// except those of a rule marked "inline: false" that the repository's inline list does
// not name.
func (s *Set) Inline(r *Rule) bool {
	return !r.SummaryOnly || slices.Contains(s.Settings.Inline, r.ID)
}

// Rule returns the rule with the given id, or nil.
func (s *Set) Rule(id string) *Rule {
	i := slices.IndexFunc(s.Rules, func(r *Rule) bool { return r.ID == id })
	if i < 0 {
		return nil
	}
	return s.Rules[i]
}

// ForPath returns the rules that apply to the file at path (see Rule.AppliesTo), sorted
// by id. path is slash-separated and relative to the repository root.
func (s *Set) ForPath(path string) []*Rule { return s.forPath(path, false) }

// PatternRulesFor returns the deterministic rules that apply to the file at path, sorted
// by id: those with a pattern, to run Find with on the file's added lines, and those with
// Secrets, which the reviewer matches with its masker.
func (s *Set) PatternRulesFor(path string) []*Rule { return s.forPath(path, true) }

func (s *Set) forPath(path string, patternOnly bool) []*Rule {
	idx := s.index()
	a, b := idx.byExt[ext(path)], idx.any
	var out []*Rule
	// Merge the two ascending index lists so the result stays sorted by id.
	for len(a) > 0 || len(b) > 0 {
		var i int
		if len(b) == 0 || (len(a) > 0 && a[0] < b[0]) {
			i, a = a[0], a[1:]
		} else {
			i, b = b[0], b[1:]
		}
		r, m := idx.rules[i], idx.matchers[i]
		if patternOnly && r.Pattern == "" && len(r.Secrets) == 0 {
			continue
		}
		if m.paths.match(path) && !m.exclude.match(path) {
			out = append(out, r)
		}
	}
	return out
}
