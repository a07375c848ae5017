package git_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/git"
)

func TestRemoteName(t *testing.T) {
	t.Parallel()
	tests := []struct{ remote, want string }{
		{"https://github.com/acme/app.git", "github.com/acme/app"},
		{"https://github.com/acme/app", "github.com/acme/app"},
		{"https://x-access-token:ghs_S3cretT0ken@github.com/acme/app.git", "github.com/acme/app"},
		{"https://oauth2:glpat-S3cretT0ken@gitlab.example.com:8443/group/sub/app.git", "gitlab.example.com/group/sub/app"},
		{"https://ghp_S3cretT0ken@GitHub.com/acme/app/?token=S3cretT0ken#frag", "github.com/acme/app"},
		{"git@github.com:acme/app.git", "github.com/acme/app"},
		{"user:S3cretT0ken@host.example:acme/app.git", ""},
		{"ssh://git@host.example:2222/acme/app", "host.example/acme/app"},
		{"ssh://git:S3cretT0ken@host.example/acme/app.git", "host.example/acme/app"},
		{"/home/alice/src/app", ""},
		{"../app", ""},
		{"./app.git", ""},
		{"file:///home/alice/src/app.git", ""},
		{"C:/Users/alice/app", ""},
		{"", ""},
		{"https://github.com/", ""},
	}
	for _, tt := range tests {
		got := git.RemoteName(tt.remote)
		if got != tt.want {
			t.Errorf("RemoteName(%q) = %q, want %q", tt.remote, got, tt.want)
		}
		if strings.Contains(got, "S3cretT0ken") || strings.Contains(got, "alice") {
			t.Errorf("RemoteName(%q) = %q leaks a credential or a local path", tt.remote, got)
		}
	}
}

func TestRepoName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sh(t, dir, "init", "-q")
	repo, err := git.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := repo.Name(t.Context()); got != "" {
		t.Errorf("without a remote: %q, want nothing (never the work tree's path)", got)
	}
	sh(t, dir, "remote", "add", "origin", "https://ci:glpat-S3cretT0ken@gitlab.example.com/group/app.git")
	if got := repo.Name(t.Context()); got != "gitlab.example.com/group/app" {
		t.Errorf("with a remote holding a token: %q, want gitlab.example.com/group/app", got)
	}
}
