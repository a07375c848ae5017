package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/viper"

	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// secretFormat is one line of testdata/secrets/corpus.tsv: a fake secret in a format a
// provider issues, as planted, and the part of it that must never leave the machine.
type secretFormat struct {
	id, planted, secret string
}

func readCorpus(t *testing.T) []secretFormat {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/secrets/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []secretFormat
	for n, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || !strings.Contains(f[1], f[2]) {
			t.Fatalf("corpus.tsv:%d: want id, planted text and the secret in it, tab-separated", n+1)
		}
		out = append(out, secretFormat{f[0], f[1], f[2]})
	}
	return out
}

// placement plants every format of the corpus in one kind of place in a diff.
type placement struct {
	name string
	// diff returns the diff holding every format, and the paths it reviews.
	diff func(c []secretFormat) string
	// leaks returns what must not reach the gateway for one format.
	leaks func(f secretFormat) []string
}

func plain(f secretFormat) []string {
	return []string{f.secret, base64.StdEncoding.EncodeToString([]byte(f.secret))}
}

func newFile(path string, lines ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n", path, path, path, len(lines))
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

var placements = []placement{
	{"file name", func(c []secretFormat) string {
		var b strings.Builder
		for _, f := range c {
			b.WriteString(newFile("notes/"+fileSafe(f.planted)+".txt", "ordinary notes"))
		}
		return b.String()
	}, func(f secretFormat) []string { return plain(secretFormat{secret: fileSafe(f.secret)}) }},
	{"added line", func(c []secretFormat) string {
		var lines []string
		for _, f := range c {
			lines = append(lines, fmt.Sprintf(`data = "%s"`, f.planted))
		}
		return newFile("app/settings.py", lines...)
	}, plain},
	{"removed line of a mixed hunk", func(c []secretFormat) string {
		var b strings.Builder
		b.WriteString("diff --git a/app/values.txt b/app/values.txt\n--- a/app/values.txt\n+++ b/app/values.txt\n")
		for i, f := range c {
			fmt.Fprintf(&b, "@@ -%d,3 +%d,3 @@\n entry %d\n-value: %s\n+value: rotated\n end %d\n", 10*i+1, 10*i+1, i, f.planted, i)
		}
		return b.String()
	}, plain},
	{"hunk header", func(c []secretFormat) string {
		var b strings.Builder
		b.WriteString("diff --git a/app/main.go b/app/main.go\n--- a/app/main.go\n+++ b/app/main.go\n")
		for i, f := range c {
			fmt.Fprintf(&b, "@@ -%d,3 +%d,3 @@ %s\n \tcount++\n-\treturn %d\n+\treturn %d\n \t}\n", 10*i+5, 10*i+5, f.planted, i, i+1)
		}
		return b.String()
	}, plain},
	{"base64", func(c []secretFormat) string {
		var lines []string
		for i, f := range c {
			lines = append(lines, fmt.Sprintf("  value%d: %s", i, base64.StdEncoding.EncodeToString([]byte(f.planted))))
		}
		return newFile("deploy/secret.yaml", lines...)
	}, func(f secretFormat) []string {
		return append(plain(f), base64.StdEncoding.EncodeToString([]byte(f.planted)))
	}},
	{"free text", func(c []secretFormat) string {
		var lines []string
		for _, f := range c {
			lines = append(lines, fmt.Sprintf("// Rotated on Friday; until then the staging one is %s, ask ops.", f.planted))
		}
		return newFile("app/notes.go", lines...)
	}, plain},
}

// egressReport is the part of the JSON report this test reads.
type egressReport struct {
	Coverage struct {
		Files []struct {
			Path    string `json:"path"`
			Outcome string `json:"outcome"`
			Reason  string `json:"reason"`
		} `json:"files"`
	} `json:"coverage"`
	Egress []struct {
		Files []struct {
			Path  string   `json:"path"`
			Hunks []string `json:"hunks"`
		} `json:"files"`
	} `json:"egress"`
}

var (
	egressFileLine = regexp.MustCompile(`^FILE (.*?)(?: \([^()]*\))?$`)
	egressHunkLine = regexp.MustCompile(`^@@ -(\d+),(\d+) \+(\d+),(\d+) @@`)
)

// shownHunks lists "path @@ -a,b +c,d @@" for every hunk of every prompt, sorted.
func shownHunks(users []string) []string {
	var out []string
	for _, u := range users {
		path := ""
		for _, l := range strings.Split(u, "\n") {
			if m := egressFileLine.FindStringSubmatch(l); m != nil {
				path = m[1]
			}
			if m := egressHunkLine.FindStringSubmatch(l); m != nil {
				out = append(out, fmt.Sprintf("%s @@ -%s,%s +%s,%s @@", path, m[1], m[2], m[3], m[4]))
			}
		}
	}
	slices.Sort(out)
	return out
}

// fileSafe is s as it can stand in a file name: git quotes a path with a backslash.
func fileSafe(s string) string { return strings.ReplaceAll(s, `\`, "_") }

// captureGateway answers every chat completion with no findings and keeps the text of
// every message it was sent.
type captureGateway struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string
	// users are the user messages, the diff the model was shown.
	users []string
}

func newCaptureGateway(t *testing.T) *captureGateway {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &captureGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err != nil || json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		// The raw body too: a secret must not pass in any field or escape.
		g.sent = append(g.sent, string(body))
		for _, m := range req.Messages {
			g.sent = append(g.sent, m.Content)
		}
		g.users = append(g.users, req.Messages[len(req.Messages)-1].Content)
		g.mu.Unlock()
		var resp map[string]any
		if err := json.Unmarshal(tmpl, &resp); err != nil {
			t.Error(err)
			return
		}
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = `{"findings":[]}`
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(g.Close)
	return g
}

// TestSecretCorpusMasked plants every format of testdata/secrets/corpus.tsv in each kind
// of place a secret hides in a change (a file name, an added line, a removed line of a
// mixed hunk, a hunk header, base64, prose), runs `reviewer review` against a gateway,
// and checks that neither a secret nor its base64 form reached the gateway, and that
// every file was sent (so the check is not vacuous).
func TestSecretCorpusMasked(t *testing.T) {
	t.Parallel()
	corpus := readCorpus(t)
	if len(corpus) < 60 {
		t.Fatalf("%d formats in the corpus, want 60 or more", len(corpus))
	}
	var (
		mu     sync.Mutex
		masked int
	)
	for _, pl := range placements {
		t.Run(pl.name, func(t *testing.T) {
			t.Parallel()
			g := newCaptureGateway(t)
			dir := t.TempDir()
			path := filepath.Join(dir, "change.diff")
			if err := os.WriteFile(path, []byte(pl.diff(corpus)), 0o600); err != nil {
				t.Fatal(err)
			}
			environ := []string{
				"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1",
				"REVIEWER_GATEWAY_API_KEY=sk-test",
				"REVIEWER_GATEWAY_MODEL=gpt-test",
				"REVIEWER_REVIEW_MAX_TOKENS_PER_CHANGE=0",
				"REVIEWER_CACHE_DIR=" + filepath.Join(dir, "cache"),
				// Some placements are text files, a trivial change the model never sees;
				// the test is about what it sees when it does.
				"REVIEWER_REVIEW_TIER=full",
			}
			r := runCmd(t, dir, environ, "review", "--diff", path, "--format", "json", "--fail-on", "none")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var rep egressReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("not a JSON report: %v", err)
			}
			for _, f := range rep.Coverage.Files {
				if f.Outcome != "reviewed" {
					t.Errorf("%s: %s (%s), want reviewed: the secret was never sent", f.Path, f.Outcome, f.Reason)
				}
			}
			g.mu.Lock()
			sent := strings.Join(g.sent, "\n")
			shown := shownHunks(g.users)
			g.mu.Unlock()
			// The egress record is exact: the files and hunks it lists are those the
			// gateway was shown, under the names it was shown (masked), request by request.
			if len(rep.Egress) != len(g.users) {
				t.Errorf("%d egress records for %d requests", len(rep.Egress), len(g.users))
			}
			var recorded []string
			for _, e := range rep.Egress {
				for _, f := range e.Files {
					for _, c := range corpus {
						if strings.Contains(f.Path, fileSafe(c.secret)) {
							t.Errorf("the egress record names %s: %s", c.id, f.Path)
						}
					}
					for _, h := range f.Hunks {
						recorded = append(recorded, f.Path+" "+h)
					}
				}
			}
			slices.Sort(recorded)
			if diff := cmp.Diff(shown, recorded); diff != "" {
				t.Errorf("the egress record differs from what the gateway was shown (-shown +recorded):\n%s", diff)
			}
			if len(sent) == 0 {
				t.Fatal("nothing reached the gateway")
			}
			ok := 0
			for _, f := range corpus {
				leaked := false
				for _, s := range pl.leaks(f) {
					if strings.Contains(sent, s) {
						leaked = true
					}
				}
				if leaked {
					t.Errorf("%s in a %s reached the gateway", f.id, pl.name)
					continue
				}
				ok++
			}
			mu.Lock()
			masked += ok
			mu.Unlock()
			t.Logf("%d of %d formats masked in a %s", ok, len(corpus), pl.name)
		})
	}
	t.Cleanup(func() {
		t.Logf("%d formats x %d placements: %d of %d masked", len(corpus), len(placements), masked, len(corpus)*len(placements))
	})
}

// TestMaskerLeavesGlobalViper: the masker reads gitleaks' rule set without gitleaks'
// loader, which would read it through viper's global instance; only cmd/reviewer may use
// viper, and only through its own instance.
func TestMaskerLeavesGlobalViper(t *testing.T) {
	r := redact.New()
	if _, secrets := r.String("ghp_" + strings.Repeat("aB3dE5gH7j", 4)[:36]); len(secrets) == 0 {
		t.Fatal("the masker found nothing: the rule set did not load")
	}
	if keys := viper.AllKeys(); len(keys) != 0 || viper.ConfigFileUsed() != "" {
		t.Errorf("viper's global instance was touched: keys %q, config file %q", keys, viper.ConfigFileUsed())
	}
}
