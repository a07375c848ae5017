package llm_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/rules"
)

// plantedToken is a GitHub token the masker knows, in the file the model reads.
var plantedToken = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"

const (
	handlerBase = "package app\n\nfunc Handle(s *Store, id string) error {\n\treturn nil\n}\n"
	handlerHead = "package app\n\nfunc Handle(s *Store, id string) error {\n\treturn s.Save(id)\n}\n"
)

var storeGo = "package app\n\nvar token = \"" + plantedToken + "\"\n\n// Save panics on an empty id.\nfunc (s *Store) Save(id string) error {\n\t_ = id[0]\n\treturn nil\n}\n"

// gitRepo makes a repository whose change makes Handle call Store.Save, which lives in
// another file with a token in it, next to a .env file.
func gitRepo(t *testing.T) (repo *git.Repo, base, head string, patch []byte) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "-q", "-b", "main")
	write("app/handler.go", handlerBase)
	write("app/store.go", storeGo)
	write(".env", "DB_PASSWORD=hunter2-hunter2\n")
	run("add", "-A")
	run("commit", "-q", "-m", "base")
	base = run("rev-parse", "HEAD")
	write("app/handler.go", handlerHead)
	run("commit", "-q", "-am", "save")
	head = run("rev-parse", "HEAD")
	repo, err := git.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	patch, err = repo.Diff(t.Context(), base, head, git.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return repo, base, head, patch
}

// TestPipelineTools: a review whose model reads another file with read_file, and tries
// .env, gets the file with its token masked and .env refused, reports the bug the other
// file shows, and the egress record names what was read. It runs with the local
// repository (git objects) and with the forge's file API only.
func TestPipelineTools(t *testing.T) {
	t.Parallel()
	repo, base, head, patch := gitRepo(t)
	for _, mode := range []string{"git", "forge"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var toolMessages []string
			g := newGateway(t, func(n int, r received) reply {
				if n == 0 {
					rep := toolCallsReply(t, 2)
					rep.body = []byte(strings.Replace(strings.Replace(string(rep.body),
						`{\"path\":\"f0.go\"}`, `{\"path\":\"app/store.go\"}`, 1),
						`{\"path\":\"f1.go\"}`, `{\"path\":\".env\"}`, 1))
					return rep
				}
				for _, m := range decodeSent(t, r).Messages {
					if m.Role == "tool" {
						toolMessages = append(toolMessages, m.Content)
					}
				}
				return okReply(t, `{"findings":[{"path":"app/handler.go","line":4,"end_line":4,"side":"new","severity":"error",`+
					`"rule_id":"","message":"Save indexes id[0] and panics on an empty id; check id first.","quote":"return s.Save(id)","suggestion":""}]}`)
			})
			c, _, _ := setup(t, g, nil)
			forge := &reviewertest.Forge{
				Change: reviewer.Change{Forge: "github", Repo: "acme/app", Number: 7, BaseSHA: base, HeadSHA: head},
				Patch:  patch,
				Files: fstest.MapFS{
					"app/store.go": {Data: []byte(storeGo)},
					".env":         {Data: []byte("DB_PASSWORD=hunter2-hunter2\n")},
				},
			}
			// Tools are for full reviews: a one-line change is lite unless forced.
			opts := reviewer.Options{Model: c, Tools: reviewer.ToolOptions{Enabled: true}, Tiers: reviewer.TierOptions{Force: reviewer.TierFull}}
			if mode == "git" {
				opts.Tools.Workspace = repo
			}
			rv := reviewer.New(forge, reviewer.TreeRules{Tree: repo, Opts: rules.RepoOptions{NoBuiltin: true}}, opts, nil)
			res, err := rv.Review(t.Context(), reviewer.Request{Change: forge.Change})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 || res.Findings[0].Path != "app/handler.go" || res.Findings[0].Line != 4 {
				t.Fatalf("findings %+v, want the one on app/handler.go:4", res.Findings)
			}
			if len(toolMessages) != 2 {
				t.Fatalf("tool messages %d, want 2", len(toolMessages))
			}
			store, env := toolMessages[0], toolMessages[1]
			if strings.Contains(store, plantedToken) || !strings.Contains(store, "7  \t_ = id[0]") || !strings.Contains(store, "3  var token = \"") {
				t.Errorf("store.go not sent masked:\n%s", store)
			}
			if strings.Contains(env, "hunter2") || !strings.Contains(env, "withheld from review") {
				t.Errorf(".env was read:\n%s", env)
			}
			if res.Usage.Requests != 2 {
				t.Errorf("requests %d, want both rounds counted", res.Usage.Requests)
			}
			var files []reviewer.EgressFile
			for _, e := range res.Egress {
				files = append(files, e.Files...)
			}
			want := []reviewer.EgressFile{
				{Path: "app/handler.go", Hunks: []string{"@@ -1,5 +1,5 @@"}},
				{Path: "app/store.go", Reads: []string{"read_file head lines 1-9"}},
			}
			if diff := cmp.Diff(want, files); diff != "" {
				t.Errorf("egress (-want +got):\n%s", diff)
			}
			if slices.ContainsFunc(files, func(f reviewer.EgressFile) bool { return f.Path == ".env" }) {
				t.Error(".env is in the egress record")
			}
			b, _ := json.Marshal(res.Egress)
			if strings.Contains(string(b), plantedToken) {
				t.Error("the egress record holds the token")
			}
		})
	}
}

// TestPipelineToolsFollowTier: with review.tools.enabled, a change whose tier's plan has
// no tools (a one-line change is lite) is reviewed without any tool offered.
func TestPipelineToolsFollowTier(t *testing.T) {
	t.Parallel()
	repo, base, head, patch := gitRepo(t)
	var offered atomic.Int32
	g := newGateway(t, func(_ int, r received) reply {
		if len(decodeSent(t, r).Tools) > 0 {
			offered.Add(1)
		}
		return okReply(t, `{"findings":[]}`)
	})
	c, _, _ := setup(t, g, nil)
	forge := &reviewertest.Forge{
		Change: reviewer.Change{Forge: "github", Repo: "acme/app", Number: 7, BaseSHA: base, HeadSHA: head},
		Patch:  patch,
	}
	opts := reviewer.Options{Model: c, Tools: reviewer.ToolOptions{Enabled: true, Workspace: repo}}
	rv := reviewer.New(forge, reviewer.TreeRules{Tree: repo, Opts: rules.RepoOptions{NoBuiltin: true}}, opts, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: forge.Change})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tier.Level != reviewer.TierLite || res.Usage.Requests == 0 {
		t.Fatalf("tier %s, %d requests: want a lite review that asks the model", res.Tier.Level, res.Usage.Requests)
	}
	if n := offered.Load(); n != 0 {
		t.Errorf("%d requests offered tools to a lite review", n)
	}
}
