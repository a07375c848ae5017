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
	return root.ExecuteContext(ctx)
}

// newRoot returns the command tree.
func newRoot(e env) *cobra.Command {
	root := &cobra.Command{
		Use:           "reviewer",
		Short:         "Review code changes against your team's codified standards",
		SilenceErrors: true,
		SilenceUsage:  true,
		// A bare "reviewer" prints help; it is not an error. Anything else is a command
		// name, and a wrong one is a usage error (cobra would say so in an untyped error).
		Args: commandArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.PersistentFlags().String("config", "", "configuration file (YAML, JSON or TOML); every key is also a REVIEWER_* variable")
	root.PersistentFlags().String("log-level", "", "log level: debug, info, warn or error (log.level)")
	root.AddCommand(reviewCmd(e), ciCmd(e), rulesCmd(e), versionCmd(e))
	root.AddCommand(evalCmd(e), serveCmd(e), migrateCmd(e), historyCmd(e))
	root.AddCommand(dismissalsCmd(e))
	root.AddCommand(learnCmd(e))
	root.AddCommand(setupCmd(e))
	// Flag errors reach SetFlagErrorFunc; argument errors come from each command's Args,
	// which cobra returns untyped: wrap every validator (cobra's own help and completion
	// commands included, added here rather than at Execute) so its error is a usage error.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	usageArgs(root)
	return root
}

// commandArgs is the Args of a command that only groups others: no argument (it prints
// help then) or the name of one of them, which cobra has found before it gets here.
func commandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return errors.New(msg)
}

// usageArgs makes the argument errors of cmd and its subcommands usage errors (exit 2).
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError(err)
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
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
