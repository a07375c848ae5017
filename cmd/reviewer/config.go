package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
	"github.com/reviewerbot/reviewer/reviewer/scope"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/reviewer/telemetry"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
	"github.com/reviewerbot/reviewer/rules"
)

// Config is everything the service, the CI step and the local command can be configured
// with: a file (--config), REVIEWER_* environment variables and flags, in increasing order
// of precedence. Every key is documented in README.md; a test keeps the two in step.
type Config struct {
	Log     LogConfig     `mapstructure:"log"`
	Review  ReviewConfig  `mapstructure:"review"`
	Gateway GatewayConfig `mapstructure:"gateway"`
	Cache   CacheConfig   `mapstructure:"cache"`
	GitHub  GitHubConfig  `mapstructure:"github"`
	GitLab  GitLabConfig  `mapstructure:"gitlab"`
	Server  ServerConfig  `mapstructure:"server"`
	Queue   QueueConfig   `mapstructure:"queue"`
	// Security is the key that seals the bot's own state.
	Security SecurityConfig `mapstructure:"security"`
	// History is the record of the reviews serve ran (reviewer history).
	History HistoryConfig `mapstructure:"history"`
	// Telemetry sends traces of the reviews to an OpenTelemetry collector (traces.go).
	Telemetry TelemetryConfig `mapstructure:"telemetry"`
	// Learn proposes edits of the rules files from dismissals (reviewer learn, learn.go).
	Learn LearnConfig `mapstructure:"learn"`

	// tracer traces reviews (startTraces); nil: tracing is off.
	tracer *telemetry.Tracer

	// set holds the keys given by the file, the environment or a flag, as opposed to
	// defaulted; a repository's .reviewer.yaml may only fill in what the operator left unset.
	set map[string]bool
}

// IsSet reports whether key was given explicitly rather than defaulted.
func (c *Config) IsSet(key string) bool { return c.set[key] }

// repoOptions is how a repository's rules are loaded under this configuration.
func (c *Config) repoOptions() rules.RepoOptions {
	return rules.RepoOptions{RulesDir: c.Review.RulesDir, NoBuiltin: !c.Review.Builtin, Disable: c.Review.Disable}
}

// publishOptions is how a review is published under this configuration, the summary's
// head sealed under key (Config.sealKey). Validate has checked review.fail_on.
func (c *Config) publishOptions(key seal.Key) reviewer.PublishOptions {
	fo, _ := parseFailOn(c.Review.FailOn)
	return reviewer.PublishOptions{FailOn: fo.sev, FailOnNone: fo.none, FailOnSet: c.IsSet("review.fail_on"),
		AllowIncomplete: c.Review.AllowIncomplete, Seal: key}
}

// LogConfig sets up logging.
type LogConfig struct {
	// Level is debug, info, warn or error.
	Level string `mapstructure:"level"`
}

// ReviewConfig shapes every review.
type ReviewConfig struct {
	// Ignore are extra globs of files not to review; "!glob" re-includes.
	Ignore []string `mapstructure:"ignore"`
	// DefaultIgnore keeps the built-in noise list (lock files, vendored trees, ...).
	DefaultIgnore bool `mapstructure:"default_ignore"`
	// FailOn is the lowest severity that fails the run (exit code 1), or "none".
	FailOn string `mapstructure:"fail_on"`
	// RulesDir is where the team's rules files live, relative to the repository root;
	// empty means the repository's own choice (.reviewer.yaml rules_dir, else .reviewer/rules).
	RulesDir string `mapstructure:"rules_dir"`
	// Builtin turns the embedded starter rules on.
	Builtin bool `mapstructure:"builtin"`
	// Disable lists rule ids not to apply.
	Disable []string `mapstructure:"disable"`
	// MaxChunkTokens bounds one model request's prompt.
	MaxChunkTokens int `mapstructure:"max_chunk_tokens"`
	// MaxTokensPerChange bounds all the prompts of one change; 0 is no bound.
	MaxTokensPerChange int `mapstructure:"max_tokens_per_change"`
	// MaxComments bounds the findings reported per change; 0 is no bound.
	MaxComments int `mapstructure:"max_comments"`
	// ContextLines is how many unchanged lines surround each change in the diffs git
	// makes for a local review.
	ContextLines int `mapstructure:"context_lines"`
	// AllowIncomplete lets a run whose ledger has skipped or failed files, or code of the
	// change it did not see, exit by its findings alone; by default such a run exits 3,
	// since it is not a clean pass.
	AllowIncomplete bool `mapstructure:"allow_incomplete"`
	// Outsiders says how reviewer serve treats changes from forks and newcomers: auto
	// (reviewed like any other), on_request (only on /review from someone with write
	// access) or never.
	Outsiders string `mapstructure:"outsiders"`
	// Budget bounds the tokens reviewer serve spends per UTC day.
	Budget BudgetConfig `mapstructure:"budget"`
	// Verify checks the model's findings in a second pass before they are posted.
	Verify bool `mapstructure:"verify"`
	// MinConfidence drops findings the verification pass is less sure of (0..1).
	MinConfidence float64 `mapstructure:"min_confidence"`
	// VerifyMaxTokens bounds one verification request's prompt.
	VerifyMaxTokens int `mapstructure:"verify_max_tokens"`
	// Tier forces every change's review tier (trivial, lite or full); auto decides from
	// what the change touches (reviewer/tier.go).
	Tier string `mapstructure:"tier"`
	// Tools lets the model read more of the repository than the diff.
	Tools ToolsConfig `mapstructure:"tools"`
	// Context shapes the code shown to the model around the hunks.
	Context ContextConfig `mapstructure:"context"`
}

// ToolsConfig turns the model's tools (read_file, search, list_dir, find_definition) on
// and bounds them per chunk and per change.
type ToolsConfig struct {
	Enabled               bool `mapstructure:"enabled"`
	MaxRounds             int  `mapstructure:"max_rounds"`
	MaxCalls              int  `mapstructure:"max_calls"`
	MaxOutputTokens       int  `mapstructure:"max_output_tokens"`
	ChangeMaxCalls        int  `mapstructure:"change_max_calls"`
	ChangeMaxOutputTokens int  `mapstructure:"change_max_output_tokens"`
}

// options are the pipeline's tool options; the Workspace is the caller's to set.
func (t ToolsConfig) options() reviewer.ToolOptions {
	return reviewer.ToolOptions{Enabled: t.Enabled, MaxRounds: t.MaxRounds, MaxCalls: t.MaxCalls, MaxOutputTokens: t.MaxOutputTokens,
		ChangeMaxCalls: t.ChangeMaxCalls, ChangeMaxOutputTokens: t.ChangeMaxOutputTokens}
}

// ContextConfig shapes the code from the head version shown around the hunks: the whole
// file when small, else its header and the enclosing scope of each hunk.
type ContextConfig struct {
	Enabled         bool `mapstructure:"enabled"`
	WholeFileTokens int  `mapstructure:"whole_file_tokens"`
	MaxFileTokens   int  `mapstructure:"max_file_tokens"`
	MaxChunkTokens  int  `mapstructure:"max_chunk_tokens"`
	MaxFileBytes    int  `mapstructure:"max_file_bytes"`
	MaxChangeBytes  int  `mapstructure:"max_change_bytes"`
	MaxScopeLines   int  `mapstructure:"max_scope_lines"`
	Related         int  `mapstructure:"related"`
}

// BudgetConfig bounds the model tokens reviewer serve spends per UTC day; 0 is no bound.
type BudgetConfig struct {
	RepoTokensPerDay   int64 `mapstructure:"repo_tokens_per_day"`
	AuthorTokensPerDay int64 `mapstructure:"author_tokens_per_day"`
}

// GatewayConfig is the OpenAI-compatible endpoint the model stage talks to.
type GatewayConfig struct {
	BaseURL string `mapstructure:"base_url"`
	// APIKey comes from the environment or the file; APIKeyFile names a file holding it.
	APIKey          secret            `mapstructure:"api_key"`
	APIKeyFile      string            `mapstructure:"api_key_file"`
	Model           string            `mapstructure:"model"`
	FallbackModels  []string          `mapstructure:"fallback_models"`
	Headers         map[string]secret `mapstructure:"headers"`
	MetadataHeader  string            `mapstructure:"metadata_header"`
	Timeout         time.Duration     `mapstructure:"timeout"`
	MaxConcurrency  int               `mapstructure:"max_concurrency"`
	MaxRetries      int               `mapstructure:"max_retries"`
	MaxOutputTokens int               `mapstructure:"max_output_tokens"`
	// Prices are per model, in US dollars per million tokens.
	Prices map[string]Price `mapstructure:"prices"`
	// Record names a directory where every gateway request and answer is stored; Replay
	// one whose stored answers are played back instead of asking the gateway.
	Record string `mapstructure:"record"`
	Replay string `mapstructure:"replay"`
	// Models name a model per review tier, asked before the fallback models; empty is
	// gateway.model. A trivial change asks no model.
	Models TierModels `mapstructure:"models"`
}

// TierModels name the model of each review tier that asks one.
type TierModels struct {
	Lite string `mapstructure:"lite"`
	Full string `mapstructure:"full"`
}

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input       float64 `mapstructure:"input"`
	CachedInput float64 `mapstructure:"cached_input"`
	Output      float64 `mapstructure:"output"`
}

// GitHubConfig is how the bot reaches GitHub.com or a GitHub Enterprise Server.
type GitHubConfig struct {
	// BaseURL is the REST API root; empty for api.github.com.
	BaseURL string `mapstructure:"base_url"`
	// Token is a personal access token; or AppID and PrivateKey (PEM, or PrivateKeyFile)
	// with InstallationID authenticate as a GitHub App installation.
	Token secret `mapstructure:"token"`
	// BotLogin is the login an installation token posts as (github-actions[bot] for
	// GitHub Actions' GITHUB_TOKEN), which such a token can not look up itself.
	BotLogin       string `mapstructure:"bot_login"`
	AppID          int64  `mapstructure:"app_id"`
	InstallationID int64  `mapstructure:"installation_id"`
	PrivateKey     secret `mapstructure:"private_key"`
	PrivateKeyFile string `mapstructure:"private_key_file"`
	// WebhookSecret signs GitHub's deliveries to reviewer serve (X-Hub-Signature-256);
	// WebhookSecretFile names a file holding it (reviewer setup github writes one).
	WebhookSecret     secret `mapstructure:"webhook_secret"`
	WebhookSecretFile string `mapstructure:"webhook_secret_file"`
	// WriteInterval spaces the writes of one token, as GitHub asks; 0 does not.
	WriteInterval time.Duration `mapstructure:"write_interval"`
}

// GitLabConfig is how the bot reaches GitLab.com or a self-managed instance.
type GitLabConfig struct {
	// BaseURL is the instance; empty for gitlab.com.
	BaseURL string `mapstructure:"base_url"`
	Token   secret `mapstructure:"token"`
	// BotUsername is the user gitlab.token posts as, whose own notes never trigger a review.
	BotUsername string `mapstructure:"bot_username"`
	// WebhookSecret is the secret token GitLab sends with each delivery (X-Gitlab-Token);
	// WebhookSecretFile names a file holding it (reviewer setup gitlab writes one).
	WebhookSecret     secret `mapstructure:"webhook_secret"`
	WebhookSecretFile string `mapstructure:"webhook_secret_file"`
}

// ServerConfig is the webhook service's HTTP side.
type ServerConfig struct {
	Listen string `mapstructure:"listen"`
	// ShutdownTimeout bounds how long running reviews may finish after SIGTERM; what is
	// not finished stays queued for the next start.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// InsecureWebhooks accepts unsigned deliveries for a forge without a webhook secret.
	InsecureWebhooks bool `mapstructure:"insecure_webhooks"`
	// ReviewDrafts and ReviewBots review draft changes and changes opened by bots.
	ReviewDrafts bool `mapstructure:"review_drafts"`
	ReviewBots   bool `mapstructure:"review_bots"`
	// MaxUnverified, BodyTimeout and BodyBudgetMiB bound the bodies read before their
	// signature can be checked: how many at once, how long one may take, and the memory
	// all bodies hold together.
	MaxUnverified int           `mapstructure:"max_unverified"`
	BodyTimeout   time.Duration `mapstructure:"body_timeout"`
	BodyBudgetMiB int           `mapstructure:"body_budget_mib"`
	// Clones is the cache of partial clones reviews read files from.
	Clones ClonesConfig `mapstructure:"clones"`
	// Replies bounds the replies in the bot's threads queued per change and per writer.
	Replies RepliesConfig `mapstructure:"replies"`
	// UI is the status page at /ui/ (package statuspage).
	UI UIConfig `mapstructure:"ui"`
}

// RepliesConfig bounds the replies queued per change and per writer (webhook.ReplyLimit):
// PerHour on average, Burst at once; PerHour 0 turns the bound off.
type RepliesConfig struct {
	PerHour int `mapstructure:"per_hour"`
	Burst   int `mapstructure:"burst"`
}

// UIConfig is the status page's credentials: without either file the page is off.
type UIConfig struct {
	// TokenFile names a file holding a token, sent as "Authorization: Bearer" or typed
	// into the page's login form.
	TokenFile string `mapstructure:"token_file"`
	// BasicAuthFile names a file of "user:bcrypt-hash" lines (htpasswd -B).
	BasicAuthFile string `mapstructure:"basic_auth_file"`
}

// ClonesConfig is reviewer serve's cache of partial clones (package clones).
type ClonesConfig struct {
	// Dir holds them; empty is a directory of this user's under the system's temporary
	// directory.
	Dir string `mapstructure:"dir"`
	// MaxMiB bounds their size on disk; 0 turns the cache off (files are read through
	// the forge's API).
	MaxMiB int64 `mapstructure:"max_mib"`
	// SearchMaxMiB bounds what a clone may grow by when the model's search fetches a
	// tree's files (clones.Options.MaxSearchBytes).
	SearchMaxMiB int64 `mapstructure:"search_max_mib"`
}

// QueueConfig is the service's durable queue.
type QueueConfig struct {
	// URL is sqlite:///path/reviewer.db (one replica) or postgres://... (several).
	URL     string `mapstructure:"url"`
	Workers int    `mapstructure:"workers"`
	// Debounce holds a job this long so that a burst of pushes costs one review.
	Debounce time.Duration `mapstructure:"debounce"`
	// JobTimeout bounds one review; RescueAfter is when a job whose worker died runs again.
	JobTimeout  time.Duration `mapstructure:"job_timeout"`
	RescueAfter time.Duration `mapstructure:"rescue_after"`
	// HeartbeatTimeout is, on PostgreSQL, how long a replica may be silent before the
	// leader takes back its running jobs.
	HeartbeatTimeout time.Duration `mapstructure:"heartbeat_timeout"`
	// PollInterval is how often an idle worker looks for due jobs.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Migrate is what serve does with a database that needs migrations: "auto" applies
	// them, "check" refuses to start (reviewer migrate applies them).
	Migrate string `mapstructure:"migrate"`
}

// HistoryConfig is the review history serve keeps in the queue's database.
type HistoryConfig struct {
	// MaxAge is how long a review is kept; older ones are pruned.
	MaxAge time.Duration `mapstructure:"max_age"`
}

// CacheConfig is the model response cache of CI jobs and local runs.
type CacheConfig struct {
	// Dir holds the cache; empty turns it off.
	Dir    string        `mapstructure:"dir"`
	MaxAge time.Duration `mapstructure:"max_age"`
}

// SecurityConfig holds the key that seals the state the bot keeps where a change's author
// can write too: the head a summary comment names, and CI cache entries (package seal).
type SecurityConfig struct {
	// Key is the operator's secret; KeyFile names a file holding it. When neither is set,
	// the key is derived from the gateway's API key; without that either, nothing is
	// sealed: every push gets a whole review and the response cache is not used.
	Key     secret `mapstructure:"key"`
	KeyFile string `mapstructure:"key_file"`
}

// secret is a string that never shows in logs or formatted output.
type secret string

func (secret) String() string       { return "[redacted]" }
func (secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }
func (s secret) GoString() string   { return "[redacted]" }
func (s secret) reveal() string     { return string(s) }

// defaults sets every key's default; it is also the list of keys that exist.
func defaults(v *viper.Viper) {
	v.SetDefault("log.level", "info")
	v.SetDefault("review.ignore", []string{})
	v.SetDefault("review.default_ignore", true)
	v.SetDefault("review.fail_on", "error")
	v.SetDefault("review.rules_dir", "")
	v.SetDefault("review.builtin", true)
	v.SetDefault("review.disable", []string{})
	v.SetDefault("review.max_chunk_tokens", 12000)
	v.SetDefault("review.max_tokens_per_change", 200000)
	v.SetDefault("review.max_comments", 30)
	v.SetDefault("review.context_lines", 3)
	v.SetDefault("review.allow_incomplete", false)
	v.SetDefault("review.outsiders", outsidersOnRequest)
	v.SetDefault("review.budget.repo_tokens_per_day", 0)
	v.SetDefault("review.budget.author_tokens_per_day", 0)
	v.SetDefault("review.verify", true)
	v.SetDefault("review.min_confidence", 0.5)
	v.SetDefault("review.verify_max_tokens", 8000)
	v.SetDefault("review.tools.enabled", true)
	v.SetDefault("review.tools.max_rounds", reviewer.DefaultToolRounds)
	v.SetDefault("review.tools.max_calls", reviewer.DefaultToolCalls)
	v.SetDefault("review.tools.max_output_tokens", reviewer.DefaultToolOutputTokens)
	v.SetDefault("review.tools.change_max_calls", reviewer.DefaultChangeToolCalls)
	v.SetDefault("review.tools.change_max_output_tokens", reviewer.DefaultChangeToolOutputToken)
	v.SetDefault("review.context.enabled", true)
	v.SetDefault("review.context.whole_file_tokens", chunk.DefaultWholeFileTokens)
	v.SetDefault("review.context.max_file_tokens", chunk.DefaultMaxFileContext)
	v.SetDefault("review.context.max_chunk_tokens", chunk.DefaultMaxChunkContext)
	v.SetDefault("review.context.max_file_bytes", reviewer.DefaultContextMaxFileBytes)
	v.SetDefault("review.context.max_change_bytes", reviewer.DefaultContextMaxChangeBytes)
	v.SetDefault("review.context.max_scope_lines", scope.DefaultMaxScopeLines)
	v.SetDefault("review.context.related", reviewer.DefaultContextRelated)
	v.SetDefault("gateway.base_url", "")
	v.SetDefault("gateway.api_key", "")
	v.SetDefault("gateway.api_key_file", "")
	v.SetDefault("gateway.model", "")
	v.SetDefault("gateway.fallback_models", []string{})
	v.SetDefault("gateway.headers", map[string]string{})
	v.SetDefault("gateway.metadata_header", "cf-aig-metadata")
	v.SetDefault("gateway.timeout", "2m")
	v.SetDefault("gateway.max_concurrency", 4)
	v.SetDefault("gateway.max_retries", 3)
	v.SetDefault("gateway.max_output_tokens", 4096)
	v.SetDefault("gateway.prices", map[string]Price{})
	v.SetDefault("gateway.record", "")
	v.SetDefault("gateway.replay", "")
	v.SetDefault("gateway.models.lite", "")
	v.SetDefault("gateway.models.full", "")
	v.SetDefault("review.tier", "auto")
	v.SetDefault("github.base_url", "")
	v.SetDefault("github.token", "")
	v.SetDefault("github.bot_login", "")
	v.SetDefault("github.app_id", 0)
	v.SetDefault("github.installation_id", 0)
	v.SetDefault("github.private_key", "")
	v.SetDefault("github.private_key_file", "")
	v.SetDefault("gitlab.base_url", "")
	v.SetDefault("gitlab.token", "")
	v.SetDefault("github.webhook_secret", "")
	v.SetDefault("github.write_interval", "1s")
	v.SetDefault("gitlab.bot_username", "")
	v.SetDefault("gitlab.webhook_secret", "")
	v.SetDefault("server.listen", ":8080")
	v.SetDefault("server.shutdown_timeout", "2m")
	v.SetDefault("server.insecure_webhooks", false)
	v.SetDefault("server.review_drafts", false)
	v.SetDefault("server.review_bots", false)
	v.SetDefault("server.max_unverified", 1024)
	v.SetDefault("server.replies.per_hour", webhook.DefaultRepliesPerHour)
	v.SetDefault("server.replies.burst", webhook.DefaultReplyBurst)
	v.SetDefault("server.body_timeout", "10s")
	v.SetDefault("server.body_budget_mib", 64)
	v.SetDefault("server.clones.dir", "")
	v.SetDefault("server.clones.max_mib", 2048)
	v.SetDefault("server.clones.search_max_mib", clones.DefaultMaxSearchBytes>>20)
	v.SetDefault("server.ui.token_file", "")
	v.SetDefault("server.ui.basic_auth_file", "")
	v.SetDefault("queue.url", "sqlite://reviewer.db")
	v.SetDefault("queue.workers", 4)
	v.SetDefault("queue.debounce", "2s")
	v.SetDefault("queue.job_timeout", "15m")
	v.SetDefault("queue.rescue_after", "20m")
	v.SetDefault("queue.heartbeat_timeout", "60s")
	v.SetDefault("queue.poll_interval", "1s")
	v.SetDefault("queue.migrate", "auto")
	v.SetDefault("history.max_age", "2160h")
	v.SetDefault("cache.dir", "")
	v.SetDefault("cache.max_age", "168h")
	v.SetDefault("security.key", "")
	v.SetDefault("security.key_file", "")
	v.SetDefault("github.webhook_secret_file", "")
	v.SetDefault("gitlab.webhook_secret_file", "")
	v.SetDefault("telemetry.traces.endpoint", "")
	v.SetDefault("telemetry.traces.protocol", "http/protobuf")
	v.SetDefault("telemetry.traces.insecure", false)
	v.SetDefault("telemetry.traces.headers", "")
	v.SetDefault("telemetry.traces.headers_file", "")
	v.SetDefault("telemetry.traces.sample_ratio", 1.0)
	v.SetDefault("learn.enabled", false)
	v.SetDefault("learn.interval", "24h")
	v.SetDefault("learn.min_dismissals", 3)
	v.SetDefault("learn.min_people", 2)
	v.SetDefault("learn.window", "2160h")
}

// mapKeys are the keys whose value is a map with names of the user's choosing.
var mapKeys = []string{"gateway.headers", "gateway.prices"}

// loadConfig layers, from lowest to highest precedence: the defaults, the configuration
// file (if any), REVIEWER_* variables of environ, and the flags in bind (key -> flag name)
// that were set on the command line. Unknown keys in the file are errors: a misspelt key
// silently doing nothing is worse than a refusal to start. One viper instance holds it all.
func loadConfig(file string, flags *pflag.FlagSet, bind map[string]string, environ []string) (*Config, []string, error) {
	var notes []string
	v := viper.New()
	defaults(v)
	known := v.AllKeys()
	set := map[string]bool{}
	fileMaps := map[string]any{} // map-valued keys as the file gives them
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, nil, fmt.Errorf("read config %s: %w", file, err)
		}
		var unknown []string
		for _, key := range v.AllKeys() {
			if !slices.Contains(known, key) && !underMap(key) {
				unknown = append(unknown, key)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return nil, nil, fmt.Errorf("config %s: unknown keys %s (README.md lists the keys)", file, strings.Join(unknown, ", "))
		}
		for _, key := range known {
			set[key] = v.InConfig(key)
		}
		// Map keys are names of the user's choosing, and model names have dots in them
		// (gpt-4.1-mini) that viper takes for nesting when it flattens the settings to
		// unmarshal them: take those maps whole from the file, and decode them in place
		// of their flattened copies (fileMapHook). Copied, because viper's flattening
		// writes the dotted names into the very maps it read.
		for _, m := range mapKeys {
			if set[m] {
				fileMaps[m] = copyMaps(v.Get(m))
			}
		}
	}
	// The environment and the flags are one layer above the file: viper reads the process's
	// own environment only (os.LookupEnv), and commands take theirs as an argument so that
	// tests run in parallel, so each key given by a flag or a variable is bound to viper as
	// a flag value (viper.FlagValue) that says which of the two it comes from.
	for _, key := range known {
		var f *pflag.Flag
		if name, ok := bind[key]; ok && flags != nil {
			f = flags.Lookup(name)
		}
		var err error
		if f != nil && f.Changed && (f.Value.Type() != "string" || f.Value.String() != "") {
			err = v.BindPFlag(key, f)
		} else if val, ok := lookupEnv(environ, envName(key)); ok && val != "" {
			err = v.BindFlagValue(key, envValue{name: envName(key), val: val})
		} else {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("config: %s: %w", key, err)
		}
		set[key] = true
		delete(fileMaps, key)
	}
	c := Config{set: set}
	hooks := mapstructure.ComposeDecodeHookFunc(fileMapHook(fileMaps), listHook, mapHook, mapstructure.StringToTimeDurationHookFunc())
	err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.DecodeHook = hooks
	})
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	return &c, notes, nil
}

// envValue is a REVIEWER_* variable bound to viper as a flag value. An empty variable or
// --flag= is not bound at all: it counts as not given, as viper has it for variables (CI
// systems pass empty inputs as empty values, which must not override a file or the
// repository's own settings).
type envValue struct{ name, val string }

func (envValue) HasChanged() bool      { return true }
func (e envValue) Name() string        { return e.name }
func (e envValue) ValueString() string { return e.val }
func (envValue) ValueType() string     { return "string" }

// copyMaps copies the maps in val, at every depth.
func copyMaps(val any) any {
	m, ok := val.(map[string]any)
	if !ok {
		return val
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = copyMaps(x)
	}
	return out
}

// fileMapHook decodes the map-valued keys the file gives (by their type, which is theirs
// alone) from their values as read, not as viper re-nests them from dotted names.
func fileMapHook(fileMaps map[string]any) mapstructure.DecodeHookFuncType {
	types := map[reflect.Type]string{
		reflect.TypeOf(map[string]secret{}): "gateway.headers",
		reflect.TypeOf(map[string]Price{}):  "gateway.prices",
	}
	return func(from, to reflect.Type, data any) (any, error) {
		if val, ok := fileMaps[types[to]]; ok && from.Kind() == reflect.Map {
			return val, nil
		}
		return data, nil
	}
}

// underMap reports whether key is an entry of a map-valued key (gateway.headers.x).
func underMap(key string) bool { return mapKeyOf(key) != "" }

func mapKeyOf(key string) string {
	for _, m := range mapKeys {
		if strings.HasPrefix(key, m+".") {
			return m
		}
	}
	return ""
}

// envName is the environment variable of a key: review.fail_on -> REVIEWER_REVIEW_FAIL_ON.
func envName(key string) string {
	return "REVIEWER_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

func lookupEnv(environ []string, key string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, val, ok := strings.Cut(environ[i], "="); ok && k == key {
			return val, true
		}
	}
	return "", false
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if _, err := parseLevel(c.Log.Level); err != nil {
		errs = append(errs, fmt.Errorf("log.level: %w", err))
	}
	if _, err := parseFailOn(c.Review.FailOn); err != nil {
		errs = append(errs, fmt.Errorf("review.fail_on: %w", err))
	}
	for _, g := range c.Review.Ignore {
		if !doublestar.ValidatePattern(strings.TrimPrefix(g, "!")) {
			errs = append(errs, fmt.Errorf("review.ignore: %q is not a valid glob", g))
		}
	}
	if d := c.Review.RulesDir; filepath.IsAbs(d) || strings.HasPrefix(path.Clean(filepath.ToSlash(d)), "../") {
		errs = append(errs, fmt.Errorf("review.rules_dir: %q must be a directory inside the repository, relative to its root", d))
	}
	for key, n := range map[string]int{
		"review.max_chunk_tokens": c.Review.MaxChunkTokens, "review.max_tokens_per_change": c.Review.MaxTokensPerChange,
		"review.max_comments": c.Review.MaxComments, "review.context_lines": c.Review.ContextLines,
		"gateway.max_concurrency": c.Gateway.MaxConcurrency, "gateway.max_retries": c.Gateway.MaxRetries,
		"gateway.max_output_tokens": c.Gateway.MaxOutputTokens, "review.verify_max_tokens": c.Review.VerifyMaxTokens,
		"review.tools.max_rounds": c.Review.Tools.MaxRounds, "review.tools.max_calls": c.Review.Tools.MaxCalls,
		"review.tools.max_output_tokens": c.Review.Tools.MaxOutputTokens, "review.tools.change_max_calls": c.Review.Tools.ChangeMaxCalls,
		"review.tools.change_max_output_tokens": c.Review.Tools.ChangeMaxOutputTokens,
		"review.context.whole_file_tokens":      c.Review.Context.WholeFileTokens, "review.context.max_file_tokens": c.Review.Context.MaxFileTokens,
		"review.context.max_chunk_tokens": c.Review.Context.MaxChunkTokens, "review.context.max_file_bytes": c.Review.Context.MaxFileBytes,
		"review.context.max_scope_lines": c.Review.Context.MaxScopeLines, "review.context.related": c.Review.Context.Related,
		"review.context.max_change_bytes": c.Review.Context.MaxChangeBytes,
	} {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative", key, n))
		}
	}
	if mc := c.Review.MinConfidence; mc < 0 || mc > 1 || mc != mc {
		errs = append(errs, fmt.Errorf("review.min_confidence: %v is not between 0 and 1", mc))
	}
	if _, err := reviewer.ParseTier(c.Review.Tier); err != nil {
		errs = append(errs, fmt.Errorf("review.tier: %w", err))
	}
	switch c.Review.Outsiders {
	case outsidersAuto, outsidersOnRequest, outsidersNever:
	default:
		errs = append(errs, fmt.Errorf("review.outsiders: %q is not auto, on_request or never", c.Review.Outsiders))
	}
	for key, n := range map[string]int64{
		"review.budget.repo_tokens_per_day": c.Review.Budget.RepoTokensPerDay, "review.budget.author_tokens_per_day": c.Review.Budget.AuthorTokensPerDay,
	} {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative; 0 is no budget", key, n))
		}
	}
	if c.Review.MaxChunkTokens > 0 && c.Review.MaxChunkTokens < 1000 {
		errs = append(errs, fmt.Errorf("review.max_chunk_tokens: %d leaves no room for the instructions; use 1000 or more", c.Review.MaxChunkTokens))
	}
	if c.Gateway.BaseURL != "" {
		if u, err := url.Parse(c.Gateway.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("gateway.base_url: %q is not an http(s) URL", c.Gateway.BaseURL))
		}
		if c.Gateway.Model == "" {
			errs = append(errs, errors.New("gateway.model: required when gateway.base_url is set"))
		}
	}
	if c.Gateway.APIKey != "" && c.Gateway.APIKeyFile != "" {
		errs = append(errs, errors.New("gateway.api_key and gateway.api_key_file: set one, not both"))
	}
	if c.Security.Key != "" && c.Security.KeyFile != "" {
		errs = append(errs, errors.New("security.key and security.key_file: set one, not both"))
	}
	if c.GitHub.WebhookSecret != "" && c.GitHub.WebhookSecretFile != "" {
		errs = append(errs, errors.New("github.webhook_secret and github.webhook_secret_file: set one, not both"))
	}
	if c.GitLab.WebhookSecret != "" && c.GitLab.WebhookSecretFile != "" {
		errs = append(errs, errors.New("gitlab.webhook_secret and gitlab.webhook_secret_file: set one, not both"))
	}
	if c.Gateway.Record != "" && c.Gateway.Replay != "" {
		errs = append(errs, errors.New("gateway.record and gateway.replay (--record, --replay): record or replay, not both"))
	}
	if c.Gateway.Record != "" && c.Gateway.BaseURL == "" {
		errs = append(errs, errors.New("gateway.record: recording needs a gateway to record: set gateway.base_url"))
	}
	if c.Gateway.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("gateway.timeout: %s must be positive", c.Gateway.Timeout))
	}
	for model, p := range c.Gateway.Prices {
		if p.Input < 0 || p.CachedInput < 0 || p.Output < 0 {
			errs = append(errs, fmt.Errorf("gateway.prices.%s: prices must not be negative", model))
		}
	}
	if c.GitHub.Token != "" && c.GitHub.AppID != 0 {
		errs = append(errs, errors.New("github.token and github.app_id: authenticate one way, not both"))
	}
	if c.GitHub.AppID != 0 && c.GitHub.PrivateKey == "" && c.GitHub.PrivateKeyFile == "" {
		errs = append(errs, errors.New("github.app_id: needs github.private_key or github.private_key_file"))
	}
	for key, u := range map[string]string{"github.base_url": c.GitHub.BaseURL, "gitlab.base_url": c.GitLab.BaseURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", key, u))
		}
	}
	for key, d := range map[string]time.Duration{"server.shutdown_timeout": c.Server.ShutdownTimeout, "queue.debounce": c.Queue.Debounce,
		"queue.job_timeout": c.Queue.JobTimeout, "queue.rescue_after": c.Queue.RescueAfter, "queue.poll_interval": c.Queue.PollInterval,
		"github.write_interval": c.GitHub.WriteInterval, "history.max_age": c.History.MaxAge} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s: %s is negative", key, d))
		}
	}
	if c.Server.Replies.PerHour < 0 || c.Server.Replies.Burst < 1 {
		errs = append(errs, fmt.Errorf("server.replies: per_hour %d and burst %d; per_hour must not be negative (0 turns the bound off) and burst must be at least 1",
			c.Server.Replies.PerHour, c.Server.Replies.Burst))
	}
	if c.Server.MaxUnverified < 1 {
		errs = append(errs, fmt.Errorf("server.max_unverified: %d; at least one body must be read at a time", c.Server.MaxUnverified))
	}
	if c.Server.BodyTimeout <= 0 {
		errs = append(errs, fmt.Errorf("server.body_timeout: %s must be positive", c.Server.BodyTimeout))
	}
	// GitHub's deliveries are at most 25 MB, and growing a buffer to that holds two.
	if c.Server.Clones.MaxMiB < 0 {
		errs = append(errs, fmt.Errorf("server.clones.max_mib: %d; want 0 (off) or more", c.Server.Clones.MaxMiB))
	}
	if c.Server.Clones.SearchMaxMiB < 1 {
		errs = append(errs, fmt.Errorf("server.clones.search_max_mib: %d; want at least 1", c.Server.Clones.SearchMaxMiB))
	}
	if c.Server.BodyBudgetMiB < 50 {
		errs = append(errs, fmt.Errorf("server.body_budget_mib: %d; at least 50 are needed to read one delivery of GitHub's 25 MB limit", c.Server.BodyBudgetMiB))
	}
	if c.Queue.Migrate != "auto" && c.Queue.Migrate != "check" {
		errs = append(errs, fmt.Errorf("queue.migrate: %q; want auto (apply pending migrations at start) or check (refuse to start; run reviewer migrate)", c.Queue.Migrate))
	}
	if c.Queue.Workers < 1 {
		errs = append(errs, fmt.Errorf("queue.workers: %d; at least one worker is needed", c.Queue.Workers))
	}
	if c.Queue.HeartbeatTimeout <= 0 {
		errs = append(errs, fmt.Errorf("queue.heartbeat_timeout: %s must be positive", c.Queue.HeartbeatTimeout))
	}
	if c.Queue.RescueAfter > 0 && c.Queue.RescueAfter <= c.Queue.JobTimeout {
		errs = append(errs, fmt.Errorf("queue.rescue_after: %s must be longer than queue.job_timeout (%s), or a slow review would be run twice", c.Queue.RescueAfter, c.Queue.JobTimeout))
	}
	if c.Cache.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("cache.max_age: %s is negative", c.Cache.MaxAge))
	}
	for _, id := range c.Review.Disable {
		if strings.TrimSpace(id) == "" {
			errs = append(errs, errors.New("review.disable: empty rule id"))
		}
	}
	errs = append(errs, c.Telemetry.validate()...)
	errs = append(errs, c.Learn.validate()...)
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q is not a level (want debug, info, warn or error)", s)
	}
	return l, nil
}

// failOn is the lowest severity that fails a run; none never fails.
type failOn struct {
	sev  rules.Severity
	none bool
}

func parseFailOn(s string) (failOn, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return failOn{none: true}, nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil {
		return failOn{}, fmt.Errorf("%q is not a severity (want info, warning, error or none)", s)
	}
	return failOn{sev: sev}, nil
}

// listHook decodes a list given as one string (an environment variable) by splitting it on
// the commas that are not inside braces, so "**/*.{js,ts},dist/**" is two globs.
func listHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice || to.Elem().Kind() != reflect.String {
		return data, nil
	}
	return splitList(data.(string)), nil
}

func splitList(s string) []string {
	out := []string{}
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				if item := strings.TrimSpace(s[start:i]); item != "" {
					out = append(out, item)
				}
				start = i + 1
			}
		}
	}
	if item := strings.TrimSpace(s[start:]); item != "" {
		out = append(out, item)
	}
	return out
}

// mapHook decodes a map given as one string (an environment variable): a JSON object, or
// name=value pairs separated by commas.
func mapHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Map {
		return data, nil
	}
	str := strings.TrimSpace(data.(string))
	if str == "" {
		return map[string]any{}, nil
	}
	if strings.HasPrefix(str, "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(str), &m); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		return m, nil
	}
	m := map[string]any{}
	for i, pair := range strings.Split(str, ",") {
		k, val, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			// Never echo the pair: it may be (part of) a secret header value.
			return nil, fmt.Errorf("item %d is not name=value (use JSON for values with commas)", i+1)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return m, nil
}
