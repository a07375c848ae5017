package reviewer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// Hidden markers let the bot find its own comments again: an HTML comment, which both
// forges render as nothing. Inline comments carry the finding's fingerprint; the summary
// carries the head commit it describes, sealed so that no one but the bot can name one.
//
// A marker is read only where the bot writes it: the last line of a body the adapter has
// checked the bot wrote. Every untrusted string the bot posts is rendered so that it can
// not hold "<!--" (package markdown), and the anchoring keeps it so should one slip
// through: a path or a model message that spells a marker is never the end of the body.

const (
	markerPrefix  = "<!-- reviewer:fingerprint="
	summaryPrefix = "<!-- reviewer:summary head="
	markerSuffix  = " -->"
)

var (
	// Each matches only as the body's last line, trailing white space aside (GitLab
	// trims a note's).
	markerRE  = regexp.MustCompile(`(?:\A|\n)<!-- reviewer:fingerprint=([0-9a-f]{8,64})(?: severity=(info|warning|error))? -->\s*\z`)
	summaryRE = regexp.MustCompile(`(?:\A|\n)<!-- reviewer:summary head=([0-9a-f]{0,64})(?: seal=([0-9a-f]{64}))? -->\s*\z`)
)

// Marker is the hidden line that tags a comment with a finding's fingerprint and
// severity: the severity lets a later review count a thread it did not look at again.
func Marker(fingerprint string, sev rules.Severity) string {
	return markerPrefix + fingerprint + " severity=" + sev.String() + markerSuffix
}

// ParseMarker returns the fingerprint of a comment body written by the bot: the marker
// must be its last line.
func ParseMarker(body string) (string, bool) {
	m := markerRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// ParseMarkerSeverity returns the severity a comment's marker records; markers written
// before severities were recorded give false.
func ParseMarkerSeverity(body string) (rules.Severity, bool) {
	m := markerRE.FindStringSubmatch(body)
	if m == nil || m[2] == "" {
		return 0, false
	}
	sev, err := rules.ParseSeverity(m[2])
	return sev, err == nil
}

// SummaryMarker is the hidden line that ends the summary comment of change c: the head
// commit the summary describes, and a seal over the forge, repository, change, head and
// target branch
// under key (its "summary" purpose), so that a later review can trust the head as where
// its incremental review starts. The zero key seals nothing: the head is then named
// for people only, and never trusted.
func SummaryMarker(c Change, headSHA string, key seal.Key) string {
	head := strings.ToLower(headSHA)
	m := summaryPrefix + head
	if s := summarySeal(c, head, key); s != "" && head != "" {
		m += " seal=" + s
	}
	return m + markerSuffix
}

// IsSummary reports whether body, written by the bot, is its summary comment: it ends with
// the summary marker. Whether the head the marker names can be trusted is SummaryHead's
// to say.
func IsSummary(body string) bool {
	return summaryRE.MatchString(body)
}

// SummaryHead returns the head the summary body of change c names, when its seal verifies
// under key; otherwise "" and false. A head without a seal, with a seal for another
// change, or under the zero key is never trusted: the text of a summary is on the forge,
// where a change's author (and anyone who can edit comments) may have written it.
func SummaryHead(c Change, body string, key seal.Key) (string, bool) {
	m := summaryRE.FindStringSubmatch(body)
	if m == nil || m[1] == "" || m[2] == "" {
		return "", false
	}
	if !key.Derive("summary").Verify(m[2], sealParts(c, m[1])...) {
		return "", false
	}
	return m[1], true
}

func summarySeal(c Change, head string, key seal.Key) string {
	return key.Derive("summary").Sum(sealParts(c, head)...)
}

// sealParts names what a summary's head is the head of. Forge and repository are folded
// to lower case, as both forges match repository paths without regard to case. The
// target branch is named too: a review of a head compared it with that branch, and a
// change retargeted since (to one that lacks code the old target held) must be reviewed
// whole, not from that head on. A change read without its target branch (BaseRef "")
// trusts no head sealed with one: it is reviewed whole.
func sealParts(c Change, head string) []string {
	return []string{strings.ToLower(c.Forge), strings.ToLower(c.Repo), strconv.Itoa(c.Number), head, "target", c.BaseRef}
}
