package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git"
	"github.com/reviewerbot/reviewer/rules"
)

func rulesCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Check the rules files of a repository",
		Args:  commandArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	lint := &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check every rules file, .reviewer.yaml and imported instructions file; exit 1 on a problem",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return rulesLint(cmd, e, args)
		},
	}
	test := &cobra.Command{
		Use:   "test [DIR]",
		Short: "Check each pattern rule against its examples; exit 1 when one does not behave as declared",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return rulesTest(cmd, e, args)
		},
	}
	for _, c := range []*cobra.Command{lint, test} {
		c.Flags().String("rules-dir", "", "rules directory, relative to the repository root (review.rules_dir)")
		c.Flags().StringSlice("disable", nil, "rule ids not to apply (review.disable)")
		c.Flags().Bool("builtin", true, "include the built-in starter rules (review.builtin)")
	}
	cmd.AddCommand(lint, test)
	return cmd
}

var rulesBind = map[string]string{
	"review.rules_dir": "rules-dir",
	"review.disable":   "disable",
	"review.builtin":   "builtin",
}

// rulesRoot is the directory whose rules are checked: the argument, else the root of the
// work tree we are in, else the current directory. Rules are checked as they are on disk,
// since that is what their author is editing.
func rulesRoot(ctx context.Context, e env, args []string) (fs.FS, string, error) {
	dir := e.dir
	if len(args) == 1 {
		dir = e.abs(args[0])
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, "", usageError(fmt.Errorf("%s is not a directory", args[0]))
		}
	} else if repo, err := git.Open(ctx, dir); err == nil {
		dir = repo.Root()
	}
	return os.DirFS(dir), dir, nil
}

// loadRules loads the rule set of the directory the rules commands check. A problem is
// printed, one per line with its file and line, and ends the command with exit code 1.
func loadRules(cmd *cobra.Command, e env, args []string) (*rules.Set, string, error) {
	c, err := config(cmd, e, rulesBind)
	if err != nil {
		return nil, "", err
	}
	fsys, dir, err := rulesRoot(cmd.Context(), e, args)
	if err != nil {
		return nil, "", err
	}
	set, err := rules.LoadRepo(fsys, c.repoOptions())
	if err != nil {
		for _, line := range flatten(err) {
			fmt.Fprintln(e.stdout, line)
		}
		return nil, "", &exitError{code: exitFindings}
	}
	return set, dir, nil
}

func rulesLint(cmd *cobra.Command, e env, args []string) error {
	set, dir, err := loadRules(cmd, e, args)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d rules ok in %s\n", len(set.Rules), dir)
	return nil
}

func rulesTest(cmd *cobra.Command, e env, args []string) error {
	set, _, err := loadRules(cmd, e, args)
	if err != nil {
		return err
	}
	tested, failed := 0, 0
	for _, r := range set.Rules {
		if r.Pattern == "" && len(r.Secrets) == 0 {
			continue
		}
		tested++
		if err := reviewer.CheckRuleExamples(r); err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL %s (%s)\n", r.ID, r.Source)
			for _, line := range flatten(err) {
				fmt.Fprintf(e.stdout, "    %s\n", line)
			}
		}
	}
	fmt.Fprintf(e.stdout, "%d pattern rules tested, %d failed\n", tested, failed)
	if failed > 0 {
		return &exitError{code: exitFindings}
	}
	return nil
}

// flatten lists the messages of a joined error, one per line.
func flatten(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
