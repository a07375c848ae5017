package rules

// Rule is one of the team's review standards, read from a rules file, an imported
// instructions file or the built-in set.
type Rule struct {
	// ID is unique within a rule set; findings carry it.
	ID       string
	Title    string
	Severity Severity
	// Paths and Exclude are doublestar globs over repository-relative paths. No Paths means
	// every file.
	Paths   []string
	Exclude []string
	// ExcludeRegions are kinds of code inside a file the pattern does not apply to (front
	// matter "exclude_regions: [rust-tests]"), told from the hunk by a RegionScanner.
	ExcludeRegions Regions
	// Pattern, when set, makes the rule deterministic: an RE2 regexp matched against the
	// content of each added line.
	Pattern string
	// Secrets, instead of a Pattern, makes the rule report the secret formats of the
	// reviewer's masker (reviewer/redact) named here, on each added line: the masker's
	// format ids ("github-pat", "vault-token", "private-key"), or "*" for every token
	// format no other applicable rule names. The rules package cannot see the masker
	// (it sits below it), so the reviewer package matches these rules and checks their
	// examples; one table of formats serves both masking and findings.
	Secrets []string
	// Unless, when set, is an RE2 regexp that vetoes a Pattern hit on the same line: a
	// line that also matches it is not a finding. It says what makes a hit harmless that
	// the pattern alone cannot (an explanatory comment, an escaped identifier).
	Unless string
	// UnlessBlock, when set, is an RE2 regexp matched against the line that opens the
	// block a hit is in, as far as the hunk shows it (the nearest line above that is
	// indented less): a match vetoes the hit. It tells the implementation of an explicit
	// option (case "insecure_skip_verify":, if verify is False:) from a default.
	UnlessBlock string
	// SummaryOnly rules (front matter "inline: false") are measured to be right too
	// seldom to interrupt a change with a line comment: their findings go to the summary
	// and the reports, not inline, unless the repository asks (Settings.Inline).
	SummaryOnly bool
	// Message is the finding text a pattern hit carries.
	Message  string
	Examples Examples
	// Body is the Markdown guidance for the model.
	Body string
	// Source names where the rule came from: a file path in the repository, or
	// "builtin:<file>" for an embedded rule.
	Source string

	matcher *matcher // compiled Paths/Exclude/Pattern; set by Parse and the importers

	// Lines in Source, for error messages; zero when unknown.
	idLine              int
	badLines, goodLines []int
}

// Examples are lines the rule's pattern must flag (Bad) and must not flag (Good).
type Examples struct {
	Bad  []string
	Good []string
}
