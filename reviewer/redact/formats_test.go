package redact_test

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// corpusFormat is a line of the shared corpus (testdata/secrets/corpus.tsv).
type corpusFormat struct{ id, planted, secret string }

func readCorpus(t *testing.T) []corpusFormat {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/secrets/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusFormat
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("corpus line %q: want three tab-separated fields", l)
		}
		out = append(out, corpusFormat{f[0], f[1], f[2]})
	}
	return out
}

// TestCorpusNeutralNames: every format of the corpus is masked under a name that says
// nothing (data = "…"), in prose, in a file name and in a hunk's section, where only the
// token's own shape can tell it is a secret.
func TestCorpusNeutralNames(t *testing.T) {
	t.Parallel()
	r := redact.New()
	places := map[string]string{
		"neutral name": `data = "%s"`,
		"prose":        `Rotated on Friday; until then the staging one is %s, ask ops.`,
		"yaml":         `  value: %s`,
	}
	for _, f := range readCorpus(t) {
		t.Run(f.id, func(t *testing.T) {
			t.Parallel()
			for where, tmpl := range places {
				if got, _ := r.String(strings.Replace(tmpl, "%s", f.planted, 1)); strings.Contains(got, f.secret) {
					t.Errorf("%s: not masked: %s", where, got)
				}
			}
			name := "notes/" + strings.ReplaceAll(f.planted, `\`, "_") + ".txt"
			if got, _ := r.String(name); strings.Contains(got, strings.ReplaceAll(f.secret, `\`, "_")) {
				t.Errorf("file name: not masked: %s", got)
			}
			file := &diff.File{NewPath: "app/main.go", OldPath: "app/main.go", Hunks: []diff.Hunk{{
				OldStart: 10, OldLines: 1, NewStart: 10, NewLines: 1, Section: f.planted,
				Lines: []diff.Line{{Kind: diff.Context, OldLine: 10, NewLine: 10, Content: "\tcount++"}},
			}}}
			if got, _ := r.File(file); strings.Contains(got.Hunks[0].Section, f.secret) {
				t.Errorf("hunk section: not masked: %s", got.Hunks[0].Section)
			}
		})
	}
}

// TestSectionKeyBody: git copies the nearest column-0 line above a hunk into its header,
// and a PEM body line is one (it starts with a letter). Such a section is masked, alone or
// inside a block an earlier hunk of the file left open.
func TestSectionKeyBody(t *testing.T) {
	t.Parallel()
	body := fake(301, b64, 64)
	last := fake(302, b64, 22) + "=="
	ctx := func(n int, s string) diff.Line {
		return diff.Line{Kind: diff.Context, OldLine: n, NewLine: n, Content: s}
	}
	tests := []struct {
		name   string
		hunks  []diff.Hunk
		secret string
	}{
		{"full body line", []diff.Hunk{{OldStart: 30, OldLines: 1, NewStart: 30, NewLines: 1, Section: body,
			Lines: []diff.Line{ctx(30, "-----END RSA PRIVATE KEY-----")}}}, body},
		{"short last line inside an open block", []diff.Hunk{
			{OldStart: 1, OldLines: 2, NewStart: 1, NewLines: 2, Lines: []diff.Line{ctx(1, "key: |"), ctx(2, "  -----BEGIN RSA PRIVATE KEY-----")}},
			{OldStart: 40, OldLines: 1, NewStart: 40, NewLines: 1, Section: last, Lines: []diff.Line{ctx(40, "  -----END RSA PRIVATE KEY-----")}},
		}, last},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &diff.File{NewPath: "deploy/key.txt", OldPath: "deploy/key.txt", Hunks: tt.hunks}
			got, _ := redact.New().File(f)
			for _, h := range got.Hunks {
				if strings.Contains(h.Section, tt.secret) {
					t.Errorf("section not masked: %s", h.Section)
				}
			}
		})
	}
}

// TestBase64Secrets: base64 that decodes to a key block or to credentials is masked,
// whatever its name: a Kubernetes Secret's tls.key, a .dockerconfigjson, a service
// account's key file, a token.
func TestBase64Secrets(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	pem := "-----BEGIN RSA PRIVATE KEY-----\n" + fake(311, b64, 64) + "\n" + fake(312, b64, 64) + "\n-----END RSA PRIVATE KEY-----\n"
	tests := []struct{ name, prefix, payload string }{
		{"kubernetes tls.key", "  tls.key: ", pem},
		{"docker config", `  .dockerconfigjson: "`, `{"auths":{"registry.example.com":{"auth":"` + enc("ci:"+fake(313, alnum, 24)) + `"}}}`},
		{"service account", "GOOGLE_CREDENTIALS=", `{"type":"service_account","project_id":"acme","private_key_id":"` + fake(314, hexLower, 40) + `","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE` + fake(315, b64, 60) + `\n-----END PRIVATE KEY-----\n"}`},
		{"token", "payload: ", "ghp_" + fake(316, alnum, 36)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := enc(tt.payload)
			got, secrets := redact.New().String(tt.prefix + run + `"`)
			if len(secrets) == 0 || strings.Contains(got, run[:16]) {
				t.Errorf("base64 left in: %s", got)
			}
		})
	}
	// Ordinary base64 is left alone: an image, a hash.
	for _, s := range []string{"sha512-" + enc(fake(317, b64, 64)), "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="} {
		if got, secrets := redact.New().String(s); len(secrets) > 0 {
			t.Errorf("masked %s: %s", s, got)
		}
	}
}
