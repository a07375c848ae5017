package redact

import (
	"os"
	"regexp/syntax"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/zricethezav/gitleaks/v8/config"
)

// TestRuleSet: gitleaks' rules and formats.toml compile into one table with no id twice,
// and the formats issue #11 found leaking are in it.
func TestRuleSet(t *testing.T) {
	t.Parallel()
	rs, err := defaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.formats) < 200 {
		t.Errorf("%d formats, want gitleaks' 200 and more", len(rs.formats))
	}
	ids := map[string]bool{}
	for _, f := range Formats() {
		if ids[f.ID] {
			t.Errorf("format %s listed twice", f.ID)
		}
		ids[f.ID] = true
	}
	for _, id := range []string{"vault-token", "mailgun-api-key", "linear-api-key", "atlassian-api-token-prefixed",
		"databricks-api-token", "grafana-service-account-token", "new-relic-key", "postman-api-token", "sentry-token",
		"doppler-token", "telegram-bot-token", "google-refresh-token", "azure-ad-client-secret-any", "discord-webhook",
		"teams-webhook", "azure-sas-signature", "url-query-credential", "private-key", "base64-secret"} {
		if !ids[id] {
			t.Errorf("no format %s", id)
		}
	}
}

// TestGitleaksConfigShape guards the two places that lean on the shape of gitleaks'
// config: the rules left out must still exist (a renamed one would come back in
// unnoticed), and the token end that is widened must still be how the rules end (else
// the widening would silently stop).
func TestGitleaksConfigShape(t *testing.T) {
	t.Parallel()
	var c tomlConfig
	if err := toml.Unmarshal([]byte(config.DefaultConfig), &c); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	ends := 0
	for _, r := range c.Rules {
		have[r.ID] = true
		if strings.Contains(r.Regex, gitleaksEnd) {
			ends++
		}
	}
	for id := range skippedRules {
		if !have[id] {
			t.Errorf("skipped rule %s is not in gitleaks' config", id)
		}
	}
	if ends < 100 {
		t.Errorf("%d of gitleaks' rules end tokens with %s, want 100 or more", ends, gitleaksEnd)
	}
	rs, err := defaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rs.formats {
		if strings.Contains(f.rule.Regex.String(), gitleaksEnd) {
			t.Errorf("%s: token end not widened", f.rule.RuleID)
		}
	}
}

// TestCompileRuleSetErrors: a broken table is an error that names the rule.
func TestCompileRuleSetErrors(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"bad regexp": "[[rules]]\nid = \"x\"\nregex = '''(a'''\n",
		"twice":      "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules]]\nid = \"x\"\nregex = 'b'\n",
		"short kw":   "[[rules]]\nid = \"x\"\nregex = 'a'\nkeywords = [\"a\"]\n",
		"bad toml":   "[[rules]\n",
		"bad allow":  "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.allowlists]]\ncondition = 'xor'\nregexes = ['b']\n",
		"bad group":  "[[rules]]\nid = \"x\"\nregex = 'a'\nsecretGroup = 2\n",
	} {
		if _, err := compileRuleSet(map[string]string{"reviewer": text}); err == nil {
			t.Errorf("%s: no error", name)
		} else if name != "bad toml" && !strings.Contains(err.Error(), "x") {
			t.Errorf("%s: %v does not name the rule", name, err)
		}
	}
}

// TestMinMatchLen: the bound lines are skipped by is never above a real match's length.
func TestMinMatchLen(t *testing.T) {
	t.Parallel()
	for pat, want := range map[string]int{`a{3}b+`: 4, `(?:ab|c)d?`: 1, `\bx\b`: 1, `é.`: 3, `x*`: 0, `(?i)key-[a-f0-9]{32}`: 36} {
		tree, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := minMatchLen(tree.Simplify()); got != want {
			t.Errorf("minMatchLen(%s) = %d, want %d", pat, got, want)
		}
	}
	raw, err := os.ReadFile("../../testdata/secrets/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := defaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		for _, f := range rs.formats {
			for _, m := range f.rule.Regex.FindAllString(line, -1) {
				if len(m) < f.minLen {
					t.Errorf("%s: match %q is shorter than its bound %d", f.rule.RuleID, m, f.minLen)
				}
			}
		}
	}
}
