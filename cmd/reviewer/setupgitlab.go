package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer/gitlab"
)

func setupGitLabCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gitlab (--project GROUP/NAME | --group GROUP) --url https://HOST/webhooks/gitlab",
		Short: "Register the webhook that sends a GitLab project's or group's merge requests and notes to reviewer serve",
		Long: `Register a project (or group) webhook that delivers merge request and note events to
reviewer serve, with SSL verification on and a generated secret token, and write the secret
to a file (mode 0600) that serve reads through gitlab.webhook_secret_file.

The token comes from gitlab.token (REVIEWER_GITLAB_TOKEN), never from a flag; it needs the
api scope and the Maintainer role on the project (Owner on a group).

Run again, it changes nothing: a hook that already delivers to --url is left as it is, and
an existing secret file is reused, so that every project's hook carries the one secret
serve checks. --rotate-secret generates a new secret, sets it (and the events) on the hook,
and replaces the file; other hooks that carry the old secret then need the same.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return setupGitLab(cmd.Context(), cmd, e) },
	}
	f := cmd.Flags()
	f.String("project", "", "the project, as group/name or its id")
	f.String("group", "", "the group, for a group webhook (GitLab Premium)")
	f.String("url", "", "where GitLab delivers: reviewer serve's https://HOST/webhooks/gitlab (required)")
	f.String("secret-file", "gitlab-webhook-secret", "file holding the webhook's secret token; created when missing")
	f.Bool("rotate-secret", false, "set a new secret, and the events, on a hook that already delivers to --url")
	return cmd
}

func setupGitLab(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, nil)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	project, _ := f.GetString("project")
	group, _ := f.GetString("group")
	hookURL, _ := f.GetString("url")
	secretPath, _ := f.GetString("secret-file")
	rotate, _ := f.GetBool("rotate-secret")
	var errs []error
	if (project == "") == (group == "") {
		errs = append(errs, errors.New("--project or --group: name the project (group/name) or the group whose webhook to register, one of the two"))
	}
	if err := checkHookURL("--url", hookURL, "/webhooks/gitlab"); err != nil {
		errs = append(errs, err)
	}
	if secretPath == "" {
		errs = append(errs, errors.New("--secret-file: required"))
	}
	if c.GitLab.Token == "" {
		errs = append(errs, errors.New("gitlab.token (REVIEWER_GITLAB_TOKEN): required, an access token with the api scope and the Maintainer role on the project (Owner on a group)"))
	}
	if len(errs) > 0 {
		return usageError(errors.Join(errs...))
	}
	secretPath = e.abs(secretPath)
	where := "project " + project
	if group != "" {
		where = "group " + group
	}

	// The secret: the file's when there is one (one secret for every hook serve takes),
	// else a new one; --rotate-secret always makes a new one.
	secretText, existed, err := readSecretFile(secretPath)
	if err != nil {
		return err
	}
	if existed && secretText == "" && !rotate {
		return usageError(fmt.Errorf("--secret-file: %s is empty; remove it, or give --rotate-secret", secretPath))
	}
	if existed && !rotate {
		if err := ownSecretFile(secretPath); err != nil {
			return usageError(fmt.Errorf("--secret-file: %w; check what it holds and who wrote it, then fix it or give --rotate-secret", err))
		}
	}
	if secretText == "" || rotate {
		if secretText, err = randomHex(32); err != nil {
			return err
		}
	}
	cl, err := gitlab.New(gitlab.Options{BaseURL: c.GitLab.BaseURL, Token: c.GitLab.Token.reveal()})
	if err != nil {
		return usageError(fmt.Errorf("gitlab: %w", err))
	}
	res, err := cl.EnsureHook(ctx, gitlab.HookSpec{Project: project, Group: group, URL: hookURL, Secret: secretText, Rotate: rotate})
	if err != nil {
		return fmt.Errorf("setup gitlab: %w", err)
	}
	w := e.stdout
	events := "merge request, note and confidential note events (no others)"
	switch {
	case res.Created:
		fmt.Fprintf(w, "created: webhook %d of %s delivers %s to %s, SSL verification on\n", res.ID, where, events, hookURL)
	case res.Updated:
		fmt.Fprintf(w, "updated: webhook %d of %s has a new secret and delivers %s to %s, SSL verification on\n", res.ID, where, events, hookURL)
	default:
		fmt.Fprintf(w, "exists: webhook %d of %s delivers to %s; nothing changed\n", res.ID, where, hookURL)
		for _, d := range res.Differs {
			fmt.Fprintf(w, "differs: %s on that webhook; --rotate-secret sets what serve needs\n", d)
		}
		if !existed {
			fmt.Fprintf(w, "no secret file: %s does not exist and GitLab never shows a hook's secret; --rotate-secret sets a new one and writes it there\n", secretPath)
			return nil
		}
	}
	switch {
	case !existed || rotate:
		if err := writeSecretFile(secretPath, []byte(secretText+"\n"), rotate); err != nil {
			return fmt.Errorf("%w (the webhook carries the secret already: run again with --rotate-secret)", err)
		}
		fmt.Fprintf(w, "wrote: %s (mode 0600)\n", secretPath)
		if rotate && existed {
			fmt.Fprintf(w, "note: other webhooks that carried the old secret need --rotate-secret too, or reviewer serve refuses their deliveries\n")
		}
	case res.Created:
		fmt.Fprintf(w, "reused: the secret in %s\n", secretPath)
	}
	fmt.Fprintf(w, "next: run reviewer serve with REVIEWER_GITLAB_WEBHOOK_SECRET_FILE=%s (gitlab.webhook_secret_file) and REVIEWER_GITLAB_TOKEN\n", secretPath)
	return nil
}

// readSecretFile returns the secret in path, and whether the file exists.
func readSecretFile(path string) (string, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, os.MkdirAll(filepath.Dir(path), 0o700)
	}
	if err != nil {
		return "", true, usageError(fmt.Errorf("--secret-file: %w", err))
	}
	return strings.TrimSpace(string(data)), true, nil
}

// ownSecretFile checks that a secret file about to be reused as the hook's secret is the
// operator's own: a regular file, not a symlink, that no one else may read or write (on
// Windows, whose modes do not say that, only the first two). A file someone else planted
// (a shared directory) would make its secret theirs too, and a symlink would send
// whatever it points at to GitLab as the secret.
func ownSecretFile(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symlink", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s has mode %o: others may read or write it; the secret must be owner-only (0600)", path, fi.Mode().Perm())
	}
	// A file someone else owns with mode 0600 could not have been read.
	return nil
}
