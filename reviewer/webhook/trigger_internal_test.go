package webhook

import (
	"testing"
)

func TestIsCommand(t *testing.T) {
	t.Parallel()
	s := &Server{command: "/review"}
	tests := []struct {
		body string
		want bool
	}{
		{"/review", true},
		{"/review\n", true},
		{"  /review  ", true},
		{"\n\n/review", true},
		{"/review please", true},
		{"/review\tnow", true},
		{"/review\r\nwith the new rules", true},
		{"/review\u00a0please", true}, // a no-break space is whitespace too
		{"/reviewer", false},
		{"/review-later", false},
		{"/Review", false},
		{"please /review", false},
		{"LGTM\n/review", false},
		{"> /review", false},
		{"`/review`", false},
		{"", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := s.isCommand(tt.body); got != tt.want {
			t.Errorf("isCommand(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestIsSelf(t *testing.T) {
	t.Parallel()
	s := &Server{bots: map[string]bool{botKey("Reviewer-Bot"): true, botKey("acme-review[bot]"): true}}
	for login, want := range map[string]bool{
		"reviewer-bot":      true,
		"REVIEWER-BOT":      true,
		"reviewer-bot[bot]": true,
		"acme-review[bot]":  true,
		"acme-review":       true,
		"reviewer-bot2":     false,
		"":                  false,
		"octocat":           false,
	} {
		if got := s.isSelf(login); got != want {
			t.Errorf("isSelf(%q) = %v, want %v", login, got, want)
		}
	}
}

func TestGitLabBot(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"project_123_bot":             true,
		"project_123_bot1":            true,
		"project_278964_bot_4fd8a0e9": true,
		"group_9970_bot_0c7e5b9d":     true,
		"project_bot":                 false,
		"project_123_botany":          false,
		"my_project_123_bot":          false,
		"root":                        false,
		"ghost":                       false,
	} {
		if got := gitlabBot(name); got != want {
			t.Errorf("gitlabBot(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDraftTitle(t *testing.T) {
	t.Parallel()
	for title, want := range map[string]bool{
		"Draft: Update README.md":   true,
		"draft: fix":                true,
		"[Draft] fix":               true,
		"(Draft) fix":               true,
		"WIP: fix":                  true,
		"[WIP] fix":                 true,
		"Update README.md":          false,
		"Drafting the new parser":   false,
		"Fix Draft: handling":       false,
		"Update live/aws/main.tf":   false,
		"  Draft: leading spaces ":  true,
		"Resolve \"Draft: thing\"":  false,
		"draft-notes: publish bulk": false,
	} {
		if got := draftTitle(title); got != want {
			t.Errorf("draftTitle(%q) = %v, want %v", title, got, want)
		}
	}
}

func TestValidSHA(t *testing.T) {
	t.Parallel()
	for sha, want := range map[string]bool{
		"ec26c3e57ca3a959ca5aad62de7213c562f8c821":                         true,
		"EC26C3E57CA3A959CA5AAD62DE7213C562F8C821":                         true,
		"5ff66a1f7404deee915b50998c340e96d995f0485ff66a1f7404deee915b5099": true,
		"ec26c3e": false,
		"":        false,
		"zc26c3e57ca3a959ca5aad62de7213c562f8c821": false,
		"ec26c3e57ca3a959ca5aad62de7213c562f8c82":  false,
	} {
		if got := validSHA(sha); got != want {
			t.Errorf("validSHA(%q) = %v, want %v", sha, got, want)
		}
	}
}
