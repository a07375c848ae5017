package github_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestMayRequestReview: only write access lets a user ask for a review. GitHub maps the
// maintain role to "write" and triage to "read" in "permission", and role_name carries
// the full role; an organization member with read access is what author_association
// MEMBER cannot tell apart from a maintainer.
func TestMayRequestReview(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	roles := map[string][2]string{ // login: permission, role_name
		"octocat":    {"admin", "admin"},
		"maintainer": {"write", "maintain"},
		"writer":     {"write", "write"},
		"custom":     {"write", "security-engineer"},
		"triager":    {"read", "triage"},
		"reader":     {"read", "read"}, // a read-only organization member: MEMBER
		"stranger":   {"none", ""},
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/collaborators/{user}/permission", func(w http.ResponseWriter, r *http.Request) {
		role, ok := roles[r.PathValue("user")]
		if !ok {
			fakegithub.WriteError(w, http.StatusNotFound, "Not Found")
			return
		}
		body := fixtureObject(t, "repository-collaborator-permission.json")
		body["permission"], body["role_name"] = role[0], role[1]
		body["user"] = with(body["user"].(map[string]any), "login", r.PathValue("user"))
		fakegithub.WriteJSON(w, http.StatusOK, body)
	})
	c := f.client(t)
	for login, want := range map[string]bool{
		"octocat": true, "maintainer": true, "writer": true, "custom": true,
		"triager": false, "reader": false, "stranger": false, "ghost-no-such-user": false,
		"../../../user": false, "": false,
	} {
		got, err := c.MayRequestReview(t.Context(), testChange, reviewer.User{ID: 1, Login: login})
		if err != nil {
			t.Errorf("%q: %v", login, err)
			continue
		}
		if got != want {
			t.Errorf("MayRequestReview(%q) = %v, want %v", login, got, want)
		}
	}
	for _, c := range f.Calls() {
		if c == "GET /user" || strings.Contains(c, "/../") {
			t.Errorf("a malformed login reached the API: %s", c)
		}
	}

	// An error other than 404 is an error, not a no.
	f.HandleFunc("GET /repos/octocat/broken/collaborators/{user}/permission", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusForbidden, "Resource not accessible by integration")
	})
	broken := testChange
	broken.Repo = "octocat/broken"
	if _, err := c.MayRequestReview(t.Context(), broken, reviewer.User{Login: "octocat"}); err == nil {
		t.Error("a 403 was taken for an answer")
	}
}
