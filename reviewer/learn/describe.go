package learn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
)

// Title is the title of the pull or merge request learning opens.
const Title = "reviewer: tune rules from dismissed findings"

// Branch is the branch learning's proposals are pushed to, one per repository.
const Branch = "reviewer/learn"

// maxEvidenceRows bounds the evidence listed per rule in a description.
const maxEvidenceRows = 20

// ThreadURL links a dismissal's thread; "" when it cannot be linked.
type ThreadURL func(d Dismissal) string

// Describe writes the description of the pull or merge request: per proposal, what it
// changes and the evidence counted for it, with links to the threads and the words
// people used. Everything that came from a change or a person (paths, logins, words)
// is rendered through reviewer/markdown.
func Describe(ps []Proposal, link ThreadURL) string {
	var b strings.Builder
	b.WriteString("People who may change the code dismissed findings of these rules in the bot's threads. ")
	b.WriteString("`reviewer learn` counted the dismissals and proposes the edits below; ")
	b.WriteString("it never merges them: review, change or close this as you see fit.\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "\n### %s\n\n", markdown.Code(p.RuleID))
		fmt.Fprintf(&b, "%d dismissals by %d people, as %s. ", len(p.Evidence), len(p.People()), p.Reason)
		switch p.Kind {
		case KindExclude:
			fmt.Fprintf(&b, "All were in files %s selects: the rule excludes them.\n", markdown.Code(p.Exclude))
		case KindSeverity:
			fmt.Fprintf(&b, "Its severity goes from %s to %s.\n", p.From, p.To)
		case KindExample:
			b.WriteString("The findings were spread: their places are added to the rule's text as what not to flag.\n")
		}
		b.WriteString("\n| Change | Where | Who | Their words |\n|---|---|---|---|\n")
		for i, d := range p.Evidence {
			if i == maxEvidenceRows {
				fmt.Fprintf(&b, "\nAnd %d more.\n", len(p.Evidence)-i)
				break
			}
			change := "#" + strconv.Itoa(d.Change)
			if d.Forge == "gitlab" {
				change = "!" + strconv.Itoa(d.Change)
			}
			if u := link(d); u != "" && safeURL(u) {
				change = "[" + change + "](" + u + ")"
			}
			where := ""
			if d.Path != "" {
				w := d.Path
				if d.Line > 0 {
					w += ":" + strconv.Itoa(d.Line)
				}
				where = markdown.CodeCell(w)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", change, where, markdown.CodeCell(d.Who), markdown.Cell(d.Words))
		}
	}
	return b.String()
}

// safeURL is a link learning makes itself: an https URL with nothing in it that would end
// a Markdown link or a table cell.
func safeURL(u string) bool {
	return strings.HasPrefix(u, "https://") && !strings.ContainsAny(u, " \t\r\n()[]<>|\"'`\\")
}

// GitHubThread links a dismissal's thread on github.com (or a GitHub Enterprise web
// address), GitLabThread on a GitLab instance; base is the web address without a
// trailing slash.
func GitHubThread(base string) ThreadURL {
	return func(d Dismissal) string {
		u := base + "/" + d.Repo + "/pull/" + strconv.Itoa(d.Change)
		if _, err := strconv.ParseInt(d.Thread, 10, 64); err == nil {
			u += "#discussion_r" + d.Thread
		}
		return u
	}
}

// GitLabThread links the merge request of a dismissal (GitLab's discussion ids do not
// make an anchor).
func GitLabThread(base string) ThreadURL {
	return func(d Dismissal) string {
		return base + "/" + d.Repo + "/-/merge_requests/" + strconv.Itoa(d.Change)
	}
}
