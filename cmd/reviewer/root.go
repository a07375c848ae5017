package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// run is the whole program; main only turns its error into an exit code.
func run(ctx context.Context, args []string, e env) error {
	root := newRoot(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ee *exitError
	if err != nil && !errors.As(err, &ee) && isUsage(err) {
		return usageError(err)
	}
	return err
}

// newRoot returns the command tree.
func newRoot(e env) *cobra.Command {
	root := &cobra.Command{
		Use:           "reviewer",
		Short:         "Review code changes against your team's codified standards",
		SilenceErrors: true,
		SilenceUsage:  true,
		// A bare "reviewer" prints help; it is not an error.
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.PersistentFlags().String("config", "", "configuration file (YAML, JSON or TOML); every key is also a REVIEWER_* variable")
	root.PersistentFlags().String("log-level", "", "log level: debug, info, warn or error (log.level)")
	root.AddCommand(reviewCmd(e), ciCmd(e), rulesCmd(e), versionCmd(e))
	root.AddCommand(evalCmd(e), serveCmd(e), migrateCmd(e))
	return root
}

// isUsage recognises cobra's own argument errors, which it returns as plain errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// config loads and validates the configuration for cmd, binding the flags in bind
// (key -> flag name) over the file and the environment.
func config(cmd *cobra.Command, e env, bind map[string]string) (*Config, error) {
	file, _ := cmd.Flags().GetString("config")
	if file != "" {
		file = e.abs(file)
	}
	all := map[string]string{"log.level": "log-level"}
	for k, v := range bind {
		all[k] = v
	}
	c, notes, err := loadConfig(file, cmd.Flags(), all, e.environ)
	if err != nil {
		return nil, usageError(err)
	}
	for _, n := range notes {
		fmt.Fprintln(e.stderr, "reviewer: "+n)
	}
	if err := c.Validate(); err != nil {
		return nil, usageError(fmt.Errorf("invalid configuration:\n%w", err))
	}
	return c, nil
}

// newLogger returns the text logger the local command uses, on stderr.
func newLogger(w io.Writer, level string) *slog.Logger {
	l, _ := parseLevel(level)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
