package webhook

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// isCommand reports whether a comment asks for a review: its first non-blank line,
// trimmed, is the command alone or the command followed by whitespace ("/review please").
func (s *Server) isCommand(body string) bool {
	body = strings.TrimLeftFunc(body, unicode.IsSpace)
	line, _, _ := strings.Cut(body, "\n")
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), s.command)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsSpace(r)
}

// botKey normalizes a login for comparison with Config.BotLogins: GitHub logins and
// GitLab usernames are case-insensitive, and a GitHub App acts as "<slug>[bot]".
func botKey(login string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(login), "[bot]"))
}

// isSelf reports whether login is one of the bot's own.
func (s *Server) isSelf(login string) bool {
	return login != "" && s.bots[botKey(login)]
}

// githubBot reports whether a GitHub account is a bot: an App's bot user has type "Bot"
// and a login ending in "[bot]".
func githubBot(u githubUser) bool {
	return u.Type == "Bot" || strings.HasSuffix(u.Login, "[bot]")
}

// gitlabBotUser matches the users GitLab creates for project and group access tokens:
// project_<id>_bot, project_<id>_bot<n> (before GitLab 16) and project_<id>_bot_<hex>.
// GitLab payloads carry no user type, so the username is all there is to go on.
var gitlabBotUser = regexp.MustCompile(`^(project|group)_[0-9]+_bot([0-9]*|_[0-9a-f]+)$`)

// gitlabBot reports whether a GitLab username belongs to an access-token bot.
func gitlabBot(username string) bool { return gitlabBotUser.MatchString(username) }

// writeAssociations are the author_association values that may come with write access to
// the repository: OWNER owns it, COLLABORATOR was invited to it, MEMBER belongs to its
// organization. Each may in fact only read it (a read-only member or collaborator), so
// they only let a request through to the worker, which asks GitHub; the other values
// (CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE, MANNEQUIN) never have it.
var writeAssociations = map[string]bool{"OWNER": true, "MEMBER": true, "COLLABORATOR": true}

// draftPrefixes mark a GitLab draft in the title (lower case): "Draft:", "[Draft]",
// "(Draft)", and the "WIP:" and "[WIP]" of GitLab before 14.0.
var draftPrefixes = []string{"draft:", "[draft]", "(draft)", "wip:", "[wip]"}

func draftTitle(title string) bool {
	t := strings.ToLower(strings.TrimSpace(title))
	for _, p := range draftPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// checkJob reports what a job to be queued lacks. The head may be missing only when the
// delivery does not carry one (a GitHub comment).
func checkJob(j queue.Job, needHead bool) error {
	var missing []string
	if j.Repo == "" {
		missing = append(missing, "the repository path")
	}
	if j.Number <= 0 {
		missing = append(missing, "the change number")
	}
	if (needHead || j.HeadSHA != "") && !validSHA(j.HeadSHA) {
		missing = append(missing, "a valid head commit id")
	}
	if len(missing) > 0 {
		return badRequest("payload lacks "+strings.Join(missing, ", "), nil)
	}
	return nil
}

// validSHA reports whether s is a full commit id: 40 hex digits (SHA-1) or 64 (SHA-256
// repositories).
func validSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}
