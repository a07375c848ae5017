package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChangeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want changeRef
		err  string
	}{
		{url: "https://github.com/octo/hello/pull/12", want: changeRef{forge: "github", scheme: "https", host: "github.com", repo: "octo/hello", number: 12}},
		{url: "https://github.com/octo/hello/pull/12/files#diff-1", want: changeRef{forge: "github", scheme: "https", host: "github.com", repo: "octo/hello", number: 12}},
		{url: "https://ghe.example.com/team/app/pull/3", want: changeRef{forge: "github", scheme: "https", host: "ghe.example.com", repo: "team/app", number: 3}},
		{url: "https://gitlab.com/group/sub/project/-/merge_requests/7", want: changeRef{forge: "gitlab", scheme: "https", host: "gitlab.com", repo: "group/sub/project", number: 7}},
		{url: "http://gitlab.internal:8080/g/p/-/merge_requests/9/diffs", want: changeRef{forge: "gitlab", scheme: "http", host: "gitlab.internal:8080", repo: "g/p", number: 9}},
		{url: "https://github.com/octo/hello/issues/12", err: "not a GitHub pull request"},
		{url: "https://github.com/octo/hello/pull/x", err: "no change number"},
		{url: "octo/hello#12", err: "want the web URL"},
	}
	for _, tt := range tests {
		got, err := parseChangeURL(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseChangeURL(%q) error %v, want %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseChangeURL(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(changeRef{})); diff != "" {
			t.Errorf("parseChangeURL(%q) (-want +got):\n%s", tt.url, diff)
		}
	}
}

func TestReviewChangeNeedsToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for url, want := range map[string]string{
		"https://github.com/o/r/pull/1":             "github.token",
		"https://gitlab.com/g/p/-/merge_requests/1": "gitlab.token",
	} {
		r := runCmd(t, dir, nil, "review", "--change", url)
		if r.code != exitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("%s without a token: exit %d, stderr %q; want 2 naming %s", url, r.code, r.stderr, want)
		}
	}
	r := runCmd(t, dir, nil, "review", "--post", "--diff", demoDiff(t))
	if r.code != exitUsage || !strings.Contains(r.stderr, "--change") {
		t.Errorf("--post without --change: exit %d, stderr %q", r.code, r.stderr)
	}
}
