package main

import (
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/reviewerbot/reviewer/rules"
)

// Config is everything the service, the CI step and the local command can be configured
// with: a file (--config), REVIEWER_* environment variables and flags, in increasing order
// of precedence. Every key is documented in README.md; a test keeps the two in step.
type Config struct {
	Log    LogConfig    `mapstructure:"log"`
	Review ReviewConfig `mapstructure:"review"`

	// set holds the keys given by the file, the environment or a flag, as opposed to
	// defaulted; a repository's .reviewer.yaml may only fill in what the operator left unset.
	set map[string]bool
}

// IsSet reports whether key was given explicitly rather than defaulted.
func (c *Config) IsSet(key string) bool { return c.set[key] }

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
}

// defaults sets every key's default; it is also the list of keys that exist.
func defaults(v *viper.Viper) {
	v.SetDefault("log.level", "info")
	v.SetDefault("review.ignore", []string{})
	v.SetDefault("review.default_ignore", true)
	v.SetDefault("review.fail_on", "error")
	v.SetDefault("review.rules_dir", "")
	v.SetDefault("review.builtin", true)
	v.SetDefault("review.disable", []string{})
}

// loadConfig layers, from lowest to highest precedence: the defaults, the configuration
// file (if any), REVIEWER_* variables of environ, and the flags in bind (key -> flag name)
// that were set on the command line. Unknown keys in the file are errors: a misspelt key
// silently doing nothing is worse than a refusal to start.
func loadConfig(file string, flags *pflag.FlagSet, bind map[string]string, environ []string) (*Config, error) {
	v := viper.New()
	defaults(v)
	known := v.AllKeys()
	set := map[string]bool{}
	if file != "" {
		fv := viper.New()
		fv.SetConfigFile(file)
		if err := fv.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read config %s: %w", file, err)
		}
		var unknown []string
		for _, key := range fv.AllKeys() {
			if !slices.Contains(known, key) {
				unknown = append(unknown, key)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return nil, fmt.Errorf("config %s: unknown keys %s (README.md lists the keys)", file, strings.Join(unknown, ", "))
		}
		if err := v.MergeConfigMap(fv.AllSettings()); err != nil {
			return nil, fmt.Errorf("read config %s: %w", file, err)
		}
		for _, key := range fv.AllKeys() {
			set[key] = true
		}
	}
	for _, key := range known {
		if val, ok := lookupEnv(environ, envName(key)); ok {
			v.Set(key, val)
			set[key] = true
		}
	}
	for key, name := range bind {
		f := flags.Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v.Set(key, sv.GetSlice())
		} else {
			v.Set(key, f.Value.String())
		}
		set[key] = true
	}
	c := Config{set: set}
	err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			listHook,
			mapstructure.StringToTimeDurationHookFunc(),
		)
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &c, nil
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
	for _, id := range c.Review.Disable {
		if strings.TrimSpace(id) == "" {
			errs = append(errs, errors.New("review.disable: empty rule id"))
		}
	}
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

func (f failOn) String() string {
	if f.none {
		return "none"
	}
	return f.sev.String()
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
