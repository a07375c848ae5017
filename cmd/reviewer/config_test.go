package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "reviewer.yaml")
	writeFile(t, file, "review:\n  fail_on: warning\n  ignore: [docs/**]\n  rules_dir: standards\nlog:\n  level: debug\n")

	tests := []struct {
		name    string
		file    string
		environ []string
		flags   []string
		want    func(c *Config)
		set     []string
	}{
		{
			name: "defaults",
			want: func(*Config) {},
		},
		{
			name: "file",
			file: file,
			want: func(c *Config) {
				c.Review.FailOn = "warning"
				c.Review.Ignore = []string{"docs/**"}
				c.Review.RulesDir = "standards"
				c.Log.Level = "debug"
			},
			set: []string{"log.level", "review.fail_on", "review.ignore", "review.rules_dir"},
		},
		{
			name:    "environment over file",
			file:    file,
			environ: []string{"REVIEWER_REVIEW_FAIL_ON=info", "REVIEWER_REVIEW_IGNORE=a/**, **/*.{js,ts},b/**", "REVIEWER_REVIEW_BUILTIN=false", "OTHER=x"},
			want: func(c *Config) {
				c.Review.FailOn = "info"
				c.Review.Ignore = []string{"a/**", "**/*.{js,ts}", "b/**"}
				c.Review.RulesDir = "standards"
				c.Review.Builtin = false
				c.Log.Level = "debug"
			},
			set: []string{"log.level", "review.builtin", "review.fail_on", "review.ignore", "review.rules_dir"},
		},
		{
			name:    "flags over environment",
			file:    file,
			environ: []string{"REVIEWER_REVIEW_FAIL_ON=info"},
			flags:   []string{"--fail-on=none", "--ignore=x/**", "--ignore=!x/keep.{go,py}"},
			want: func(c *Config) {
				c.Review.FailOn = "none"
				c.Review.Ignore = []string{"x/**", "!x/keep.{go,py}"}
				c.Review.RulesDir = "standards"
				c.Log.Level = "debug"
			},
			set: []string{"log.level", "review.fail_on", "review.ignore", "review.rules_dir"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			fs.String("fail-on", "", "")
			fs.StringArray("ignore", nil, "")
			if err := fs.Parse(tt.flags); err != nil {
				t.Fatal(err)
			}
			got, _, err := loadConfig(tt.file, fs, map[string]string{"review.fail_on": "fail-on", "review.ignore": "ignore"}, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := loadConfig("", pflag.NewFlagSet("defaults", pflag.ContinueOnError), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.want(want)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(Config{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".set" }, cmp.Ignore())); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			var set []string
			for _, k := range knownKeys() {
				if got.IsSet(k) {
					set = append(set, k)
				}
			}
			if diff := cmp.Diff(tt.set, set); diff != "" {
				t.Errorf("explicitly set keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, _, err := loadConfig("", pflag.NewFlagSet("defaults", pflag.ContinueOnError), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	got := []any{c.Log.Level, c.Review.FailOn, c.Review.RulesDir, c.Review.Builtin, c.Review.DefaultIgnore,
		c.Review.MaxChunkTokens, c.Review.MaxComments, c.Gateway.BaseURL, c.Gateway.MetadataHeader, c.Gateway.Timeout.String(), c.Cache.Dir}
	want := []any{"info", "error", "", true, true, 12000, 30, "", "cf-aig-metadata", "2m0s", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestConfigGateway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "reviewer.yaml")
	writeFile(t, file, `gateway:
  base_url: https://gateway.ai.cloudflare.com/v1/acct/gw/compat
  model: openai/gpt-4o-mini
  fallback_models: [anthropic/claude-3-5-haiku]
  headers:
    cf-aig-authorization: Bearer from-file
  prices:
    openai/gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.6}
    gpt-4.1-mini: {input: 0.4, output: 1.6}
github:
  token: x
  webhook_secret: y
`)
	c, notes, err := loadConfig(file, pflag.NewFlagSet("x", pflag.ContinueOnError), nil,
		[]string{"REVIEWER_GATEWAY_API_KEY=sk-test", "REVIEWER_GATEWAY_TIMEOUT=30s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	got := []any{c.Gateway.Model, c.Gateway.FallbackModels, c.Gateway.APIKey.reveal(), c.Gateway.Headers["cf-aig-authorization"].reveal(),
		c.Gateway.Prices["openai/gpt-4o-mini"], c.Gateway.Prices["gpt-4.1-mini"], c.Gateway.Timeout.String()}
	want := []any{"openai/gpt-4o-mini", []string{"anthropic/claude-3-5-haiku"}, "sk-test", "Bearer from-file",
		Price{Input: 0.15, CachedInput: 0.075, Output: 0.6}, Price{Input: 0.4, Output: 1.6}, "30s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gateway (-want +got):\n%s", diff)
	}
	if len(notes) != 0 {
		t.Errorf("notes %q: want none", notes)
	}
	if c.GitHub.WebhookSecret.reveal() != "y" {
		t.Errorf("github.webhook_secret = %q", c.GitHub.WebhookSecret.reveal())
	}
	if c.GitHub.Token.reveal() != "x" {
		t.Errorf("github.token = %q", c.GitHub.Token.reveal())
	}
	// Secrets never print.
	if s := fmt.Sprintf("%v %+v %#v", c.Gateway.APIKey, c.Gateway, c.Gateway.Headers); strings.Contains(s, "sk-test") || strings.Contains(s, "from-file") {
		t.Errorf("a secret was formatted: %s", s)
	}

	// Headers and prices from the environment, as JSON or name=value pairs.
	c, _, err = loadConfig("", pflag.NewFlagSet("x", pflag.ContinueOnError), nil, []string{
		"REVIEWER_GATEWAY_HEADERS=cf-aig-authorization=Bearer env,x-team=web",
		`REVIEWER_GATEWAY_PRICES={"m": {"input": 1, "output": 2}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Gateway.Headers; h["x-team"].reveal() != "web" || h["cf-aig-authorization"].reveal() != "Bearer env" {
		t.Errorf("headers from the environment: %d entries", len(h))
	}
	if p := c.Gateway.Prices["m"]; p != (Price{Input: 1, Output: 2}) {
		t.Errorf("prices from the environment: %+v", p)
	}

	// A malformed header list names the item, never its value.
	_, _, err = loadConfig("", pflag.NewFlagSet("x", pflag.ContinueOnError), nil, []string{"REVIEWER_GATEWAY_HEADERS=cf-aig-authorization=Bearer abc,defSECRET"})
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "item 2") {
		t.Errorf("error %v: want item 2 named and the value not shown", err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	writeFile(t, unknown, "review:\n  fail_on: error\n  ignroe: [x]\ngatewya:\n  model: m\n")
	_, _, err := loadConfig(unknown, pflag.NewFlagSet("x", pflag.ContinueOnError), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "unknown keys gatewya.model, review.ignroe") {
		t.Errorf("unknown keys: got %v", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "review:\n  fail_on: sometimes\n  ignore: ['a/[b']\n  rules_dir: ../elsewhere\n  tools:\n    max_calls: -1\nlog:\n  level: loud\n"+
		"server:\n  max_unverified: 0\n  body_timeout: 0s\n  body_budget_mib: 10\n  replies:\n    per_hour: -5\n")
	c, _, err := loadConfig(bad, pflag.NewFlagSet("x", pflag.ContinueOnError), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad configuration")
	}
	// Every problem is reported at once.
	for _, want := range []string{"log.level", "review.fail_on", "review.ignore", "review.rules_dir",
		"server.max_unverified", "server.body_timeout", "server.body_budget_mib", "review.tools.max_calls", "server.replies"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error does not mention %s:\n%v", want, err)
		}
	}
}

// TestREADMEDocumentsEveryKey keeps README.md and the configuration in step: every key
// has a row in the README's configuration table with its environment variable.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range knownKeys() {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(key) + "` \\| `" + envName(key) + "` \\|")
		if !row.Match(readme) {
			t.Errorf("README.md has no configuration row for %s: want a line starting | `%s` | `%s` |", key, key, envName(key))
		}
	}
}

// TestREADMEListsBuiltinRules keeps the README's table of built-in rules complete.
func TestREADMEListsBuiltinRules(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range builtin {
		if !strings.Contains(string(readme), "| `"+r.ID+"` | "+r.Severity.String()+" |") {
			t.Errorf("README.md's built-in rules table has no row for %s (%s)", r.ID, r.Severity)
		}
	}
}

func knownKeys() []string {
	v := viper.New()
	defaults(v)
	keys := v.AllKeys()
	slices.Sort(keys)
	return keys
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msgs        []string
		branch      string
		title, desc string
	}{
		{nil, "feature", "feature", ""},
		{[]string{"Fix the parser\n\nIt dropped CRLF lines."}, "feature", "Fix the parser", "It dropped CRLF lines."},
		{[]string{"Second", "First\n\nbody"}, "feature", "feature", "First\n\nbody\n\nSecond"},
		{[]string{"b", "a"}, "", "2 commits", "a\n\nb"},
	}
	for _, tt := range tests {
		title, desc := describe(tt.msgs, tt.branch)
		if title != tt.title || desc != tt.desc {
			t.Errorf("describe(%q, %q) = %q, %q; want %q, %q", tt.msgs, tt.branch, title, desc, tt.title, tt.desc)
		}
	}
}

// CI systems pass an input left empty as an empty variable or an empty --flag=: neither may
// override the file (nor count as set, which would override the repository's fail_on).
func TestConfigEmptyIsUnset(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "reviewer.yaml")
	writeFile(t, file, "gateway:\n  model: from-file\n")
	flags := pflag.NewFlagSet("x", pflag.ContinueOnError)
	flags.String("fail-on", "", "")
	if err := flags.Parse([]string{"--fail-on="}); err != nil {
		t.Fatal(err)
	}
	c, _, err := loadConfig(file, flags, map[string]string{"review.fail_on": "fail-on"},
		[]string{"REVIEWER_GATEWAY_MODEL=", "REVIEWER_REVIEW_FAIL_ON="})
	if err != nil {
		t.Fatal(err)
	}
	if c.Gateway.Model != "from-file" || c.Review.FailOn != "error" || c.IsSet("review.fail_on") {
		t.Errorf("model %q, fail_on %q (set %v); want from-file and the default error, unset", c.Gateway.Model, c.Review.FailOn, c.IsSet("review.fail_on"))
	}
}

// TestSealKey: the operator's security.key (directly or from a file) seals; without it the
// gateway's key is used under a label of its own; with neither, nothing is sealed.
func TestSealKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(environ ...string) seal.Key {
		t.Helper()
		c, _, err := loadConfig("", pflag.NewFlagSet("x", pflag.ContinueOnError), nil, environ)
		if err != nil {
			t.Fatal(err)
		}
		k, err := c.sealKey(env{dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	direct := load("REVIEWER_SECURITY_KEY=s3cret")
	fromFile := load("REVIEWER_SECURITY_KEY_FILE=" + keyFile)
	derived := load("REVIEWER_GATEWAY_API_KEY=s3cret")
	both := load("REVIEWER_GATEWAY_API_KEY=other", "REVIEWER_SECURITY_KEY=s3cret")
	none := load()

	s := direct.Sum("x")
	if s == "" || !fromFile.Verify(s, "x") || !both.Verify(s, "x") {
		t.Error("security.key and security.key_file holding one secret do not seal alike, or the gateway key overrode security.key")
	}
	if derived.IsZero() || derived.Verify(s, "x") {
		t.Error("the key derived from the gateway's API key is missing, or equals security.key of the same text")
	}
	if !none.IsZero() {
		t.Error("with no security.key and no gateway key, a key was made up")
	}
	c, _, err := loadConfig("", pflag.NewFlagSet("x", pflag.ContinueOnError), nil, []string{"REVIEWER_SECURITY_KEY_FILE=" + filepath.Join(dir, "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.sealKey(env{dir: dir}); err == nil || !strings.Contains(err.Error(), "security.key_file") {
		t.Errorf("a missing key file: err = %v, want one naming security.key_file", err)
	}
}

// TestConfigMapsOverFile: a map key from the environment replaces the file's map whole,
// and the file's other map keeps its dotted model names (which viper nests when it
// flattens the settings: the map is taken as the file gives it).
func TestConfigMapsOverFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "reviewer.yaml")
	writeFile(t, file, "gateway:\n  headers:\n    cf-aig-authorization: Bearer from-file\n  prices:\n    gpt-4.1-mini: {input: 0.4, output: 1.6}\n")
	c, _, err := loadConfig(file, pflag.NewFlagSet("x", pflag.ContinueOnError), nil, []string{"REVIEWER_GATEWAY_HEADERS=x-team=web"})
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Gateway.Headers; len(h) != 1 || h["x-team"].reveal() != "web" {
		t.Errorf("headers: %d entries, x-team %q; want the environment's one", len(h), h["x-team"].reveal())
	}
	if p := c.Gateway.Prices; len(p) != 1 || p["gpt-4.1-mini"] != (Price{Input: 0.4, Output: 1.6}) {
		t.Errorf("prices %+v: want gpt-4.1-mini from the file", p)
	}
	if !c.IsSet("gateway.headers") || !c.IsSet("gateway.prices") || c.IsSet("gateway.model") {
		t.Errorf("set: headers %v, prices %v, model %v", c.IsSet("gateway.headers"), c.IsSet("gateway.prices"), c.IsSet("gateway.model"))
	}
	// A misspelt price field is an error that names the model and the field.
	writeFile(t, file, "gateway:\n  prices:\n    gpt-4.1-mini: {input: 0.4, ouput: 1.6}\n")
	if _, _, err := loadConfig(file, pflag.NewFlagSet("x", pflag.ContinueOnError), nil, nil); err == nil ||
		!strings.Contains(err.Error(), "gpt-4.1-mini") || !strings.Contains(err.Error(), "ouput") {
		t.Errorf("error %v: want the model and the field named", err)
	}
}
