package fakegithub

import (
	"net/url"
	"strings"
	"testing"
)

func TestOpenAPIValidation(t *testing.T) {
	t.Parallel()
	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	review := func(comment string) string {
		return `{"commit_id":"abc","body":"x","event":"COMMENT","comments":[` + comment + `]}`
	}
	tests := []struct {
		name, method, path, query, body string
		wantErr                         string
	}{
		{name: "review ok", method: "POST", path: "/repos/o/r/pulls/1/reviews",
			body: review(`{"path":"a.go","body":"b","line":3,"side":"RIGHT","start_line":1,"start_side":"RIGHT"}`)},
		{name: "list ok", method: "GET", path: "/repos/o/r/pulls/1/comments", query: "per_page=100&page=2"},
		{name: "contents with slashes", method: "GET", path: "/repos/o/r/contents/a/b/c.md", query: "ref=abc"},
		{name: "status ok", method: "POST", path: "/repos/o/r/statuses/abc", body: `{"state":"success","context":"reviewer"}`},
		{name: "off-spec tree", method: "GET", path: "/repos/o/r/git/trees/abc", query: "recursive=1"},
		{name: "off-spec compare", method: "GET", path: "/repos/o/r/compare/abc...def", query: "per_page=1"},
		{name: "unknown path", method: "GET", path: "/repos/o/r/pulls/1/reviews/2/comments", wantErr: "path not in the description"},
		{name: "wrong method", method: "DELETE", path: "/repos/o/r/pulls/1/reviews", wantErr: "method not in the description"},
		{name: "line as string", method: "POST", path: "/repos/o/r/pulls/1/reviews",
			body: review(`{"path":"a.go","body":"b","line":"3"}`), wantErr: "does not match"},
		{name: "comment without body", method: "POST", path: "/repos/o/r/pulls/1/reviews",
			body: review(`{"path":"a.go","line":3}`), wantErr: "does not match"},
		{name: "bad event", method: "POST", path: "/repos/o/r/pulls/1/reviews",
			body: `{"event":"SHIP_IT"}`, wantErr: "does not match"},
		{name: "bad status state", method: "POST", path: "/repos/o/r/statuses/abc", body: `{"state":"green"}`, wantErr: "does not match"},
		{name: "undeclared query", method: "GET", path: "/repos/o/r/pulls/1/files", query: "limit=5", wantErr: `query parameter "limit"`},
		{name: "body on a GET", method: "GET", path: "/repos/o/r/pulls/1", body: `{}`, wantErr: "takes no body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, _ := url.ParseQuery(tt.query)
			err := spec.validate(tt.method, tt.path, q, []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("validate = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
