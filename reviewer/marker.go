package reviewer

import (
	"regexp"
	"strings"

	"github.com/reviewerbot/reviewer/rules"
)

// Hidden markers let the bot find its own comments again: an HTML comment, which both
// forges render as nothing. Inline comments carry the finding's fingerprint; the summary
// carries the head commit it describes.

const (
	markerPrefix  = "<!-- reviewer:fingerprint="
	summaryPrefix = "<!-- reviewer:summary head="
	markerSuffix  = " -->"
)

var (
	markerRE  = regexp.MustCompile(`<!-- reviewer:fingerprint=([0-9a-f]{8,64})(?: severity=(info|warning|error))? -->`)
	summaryRE = regexp.MustCompile(`<!-- reviewer:summary head=([0-9a-f]{0,64}) -->`)
)

// Marker is the hidden line that tags a comment with a finding's fingerprint and
// severity: the severity lets a later review count a thread it did not look at again.
func Marker(fingerprint string, sev rules.Severity) string {
	return markerPrefix + fingerprint + " severity=" + sev.String() + markerSuffix
}

// ParseMarker returns the fingerprint of a comment body written by the bot.
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

// SummaryMarker is the hidden line that tags the summary comment with the head commit
// it describes.
func SummaryMarker(headSHA string) string {
	return summaryPrefix + strings.ToLower(headSHA) + markerSuffix
}

// ParseSummaryMarker reports whether body is the bot's summary and which head it
// described.
func ParseSummaryMarker(body string) (headSHA string, ok bool) {
	m := summaryRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}
