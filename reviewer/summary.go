package reviewer

import (
	"fmt"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// Published is what the publish step did on the forge.
type Published struct {
	// Posted counts the inline comments posted by this run; Kept those already on the
	// change from an earlier run (same fingerprint); Resolved the bot's threads closed
	// because their finding is gone; Rejected the comments the forge refused (they are
	// listed in the summary instead).
	Posted, Kept, Resolved, Rejected int
	// Dismissed counts the findings left out because people dismissed them.
	Dismissed int
	// DismissedBy are the dismissals on the change (all of them, not only of this
	// run's findings), oldest first.
	DismissedBy []Dismissal
	// PostFailed is set when posting the new inline comments failed: they are not on the
	// change.
	PostFailed bool
	// Stale is set when the change's head moved during the review: nothing was published,
	// since a review of the newer head is coming.
	Stale bool
	// Status is the commit status set.
	Status StatusState
	// APICalls counts the forge requests the review made, from reading the change to
	// setting the status.
	APICalls int64
}

// SummaryBody renders the one summary comment of a change: what was found, what was and
// was not reviewed and why, what could not be placed on a line, and what it cost. Paths,
// reasons and messages go through package markdown, so none of them can open an HTML
// comment, link, mention or act. It ends
// with the hidden marker naming the head it describes, sealed under key.
func SummaryBody(c Change, res *Result, pub Published, key seal.Key) string {
	var b strings.Builder
	cov := res.Coverage
	errs, warns, infos := 0, 0, 0
	for _, f := range res.Findings {
		switch f.Severity {
		case rules.SeverityError:
			errs++
		case rules.SeverityWarning:
			warns++
		default:
			infos++
		}
	}
	n := len(res.Findings)
	switch {
	case !cov.Complete():
		fmt.Fprintf(&b, "### reviewer: review incomplete, %s\n\n", findingsPhrase(n, errs, warns, infos))
		fmt.Fprintf(&b, "%d of %s not reviewed (skipped or failed, listed below): this is not a clean pass.\n\n",
			cov.Count(OutcomeSkipped)+cov.Count(OutcomeFailed), plural(len(cov.Files), "file"))
	case cov.Unseen() > 0:
		fmt.Fprintf(&b, "### reviewer: not all reviewed, %s\n\n", findingsPhrase(n, errs, warns, infos))
		fmt.Fprintf(&b, "Code this change adds or changes in %s was not reviewed (filtered, withheld, or lines too long to show; listed below): this is not a clean pass.\n\n",
			plural(cov.Unseen(), "file"))
	case n == 0:
		b.WriteString("### reviewer: no findings\n\n")
	default:
		fmt.Fprintf(&b, "### reviewer: %s\n\n", findingsPhrase(n, errs, warns, infos))
	}
	if c.HeadSHA != "" {
		fmt.Fprintf(&b, "Reviewed `%s`", short(c.HeadSHA))
		if res.Since != "" && res.Since != c.HeadSHA {
			fmt.Fprintf(&b, " (the model saw what changed since `%s`)", short(res.Since))
		}
		if pub.Posted+pub.Kept > 0 {
			word := "comments"
			if pub.Posted == 1 {
				word = "comment"
			}
			fmt.Fprintf(&b, ": %d new inline %s, %d from earlier runs still apply", pub.Posted, word, pub.Kept)
		}
		if pub.Resolved > 0 {
			fmt.Fprintf(&b, ", %d resolved as fixed", pub.Resolved)
		}
		b.WriteString(".\n\n")
	}

	dismissedLine(&b, pub.DismissedBy)
	fmt.Fprintf(&b, "**Coverage:** %s", plural(len(cov.Files), "file"))
	for _, o := range []Outcome{OutcomeReviewed, OutcomeFiltered, OutcomeWithheld, OutcomeSkipped, OutcomeFailed} {
		if k := cov.Count(o); k > 0 {
			fmt.Fprintf(&b, ", %d %s", k, o)
		}
	}
	b.WriteString("\n\n")
	var not []FileCoverage
	for _, f := range cov.Files {
		if f.Outcome != OutcomeReviewed || f.Unseen {
			not = append(not, f)
		}
	}
	if len(not) > 0 {
		fmt.Fprintf(&b, "<details><summary>Not reviewed (%d)</summary>\n\n| file | outcome | why |\n| --- | --- | --- |\n", len(not))
		for _, f := range not {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", markdown.CodeCell(f.Path), f.Outcome, markdown.Cell(f.Reason))
		}
		b.WriteString("\n</details>\n\n")
	}
	if len(res.Unplaced) > 0 {
		fmt.Fprintf(&b, "<details><summary>Findings not placed on a line (%d)</summary>\n\n", len(res.Unplaced))
		for _, u := range res.Unplaced {
			fmt.Fprintf(&b, "- %s: %s\n", markdown.Code(u.Path), markdown.Line(u.Message))
		}
		b.WriteString("\n</details>\n\n")
	}
	summaryOnlySection(&b, res.Findings)
	if res.Omitted > 0 {
		fmt.Fprintf(&b, "%d more findings are not shown (review.max_comments).\n\n", res.Omitted)
	}
	verificationSection(&b, &res.Verification)
	if res.LLMEnabled && res.Tier.Level != TierAuto { // without a model the tier changes nothing
		fmt.Fprintf(&b, "**Tier:** %s: %s\n\n", res.Tier.Level, markdown.Line(strings.Join(res.Tier.Reasons, "; ")))
	}
	if res.LLMEnabled && !res.Tier.Plan.AskModel && res.Tier.Level != TierAuto {
		fmt.Fprintf(&b, "Only the deterministic pattern rules ran: a %s change is not sent to the model.\n\n", res.Tier.Level)
	} else if res.LLMEnabled {
		u := res.Usage
		fmt.Fprintf(&b, "**Model:** %s · %d requests · %d prompt tokens", markdown.Line(u.Model), u.Requests, u.PromptTokens)
		if u.CachedTokens > 0 {
			fmt.Fprintf(&b, " (%d cached)", u.CachedTokens)
		}
		fmt.Fprintf(&b, " · %d completion tokens · $%.4f\n\n", u.CompletionTokens, u.CostUSD)
	} else {
		b.WriteString("Only the deterministic pattern rules ran: no model is configured.\n\n")
	}
	b.WriteString(SummaryMarker(c, sealedHead(c, res, pub), key))
	b.WriteString("\n")
	return b.String()
}

// sealedHead is the head a summary's marker names as reviewed, from which the next review
// shows the model only what changed since: the head under review when the model saw every
// file it was to see and every finding is on the change. When files were skipped or
// failed, findings were left out (review.max_comments), or the forge refused or failed to
// take the new comments, it is the head this review started from (res.Since, "" for a
// whole review), so that the next review, a retry of the same head included, looks at
// them again: a change must not get code past the model by making one review of it fail,
// nor bury a finding under decoys it then removes, nor have it refused (a message too
// long to post).
func sealedHead(c Change, res *Result, pub Published) string {
	if res.Coverage.Complete() && res.Omitted == 0 && pub.Rejected == 0 && !pub.PostFailed {
		return c.HeadSHA
	}
	return res.Since
}

func findingsPhrase(n, errs, warns, infos int) string {
	if n == 0 {
		return "no findings in the reviewed files"
	}
	return fmt.Sprintf("%s (%s, %s, %d info)", plural(n, "finding"), plural(errs, "error"), plural(warns, "warning"), infos)
}

func short(sha string) string { return sha[:min(len(sha), 12)] }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// summaryOnlySection lists the findings of rules that are not posted inline (see
// Finding.SummaryOnly), one line per rule with its count and places.
func summaryOnlySection(b *strings.Builder, fs []Finding) {
	var ids []string
	at := map[string][]string{}
	for _, f := range fs {
		if !f.SummaryOnly {
			continue
		}
		if _, ok := at[f.RuleID]; !ok {
			ids = append(ids, f.RuleID)
		}
		at[f.RuleID] = append(at[f.RuleID], fmt.Sprintf("%s:%d", f.Path, f.Line))
	}
	if len(ids) == 0 {
		return
	}
	n := 0
	for _, id := range ids {
		n += len(at[id])
	}
	fmt.Fprintf(b, "<details><summary>Findings not posted inline (%d)</summary>\n\n", n)
	for _, id := range ids {
		places := at[id]
		more := ""
		if len(places) > summaryOnlyPlaces {
			more = fmt.Sprintf(" and %d more", len(places)-summaryOnlyPlaces)
			places = places[:summaryOnlyPlaces]
		}
		fmt.Fprintf(b, "- %s (%d): %s%s\n", markdown.Code(id), len(at[id]), markdown.Line(strings.Join(places, ", ")), more)
	}
	b.WriteString("\nThese rules are not posted as line comments by default; list a rule under `inline:` in .reviewer.yaml to post it.\n\n</details>\n\n")
}

// summaryOnlyPlaces is how many places the summary names for one summary-only rule.
const summaryOnlyPlaces = 10

// summaryDismissers is how many people the summary names as having dismissed findings.
const summaryDismissers = 10

// dismissedLine says how many findings people dismissed on the change and who: "2
// findings dismissed (by @alice, @bob)". Logins are the forge's but still rendered by
// package markdown, which breaks the mention: naming someone here does not notify them.
func dismissedLine(b *strings.Builder, ds []Dismissal) {
	n := DismissedFindings(ds)
	if n == 0 {
		return
	}
	who := dismissers(ds)
	names := make([]string, 0, min(len(who), summaryDismissers))
	for _, w := range who[:min(len(who), summaryDismissers)] {
		names = append(names, markdown.Line("@"+oneLine(w)))
	}
	more := ""
	if len(who) > summaryDismissers {
		more = fmt.Sprintf(" and %d more", len(who)-summaryDismissers)
	}
	fmt.Fprintf(b, "%s dismissed (by %s%s): not posted again on this change and not counted in its status.\n\n",
		plural(n, "finding"), strings.Join(names, ", "), more)
}
