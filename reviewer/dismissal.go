package reviewer

import (
	"context"
	"slices"
	"strings"
	"time"
)

// DismissalSource says which findings of a change people dismissed in the bot's threads:
// they are not posted again on that change, the same fingerprint after a rebase or an
// unrelated edit included, and no longer count against the status. existing are the
// bot's threads on the change, with their replies, as the publish step just read them.
// A finding may be dismissed by more than one person: one Dismissal each.
type DismissalSource interface {
	Dismissed(ctx context.Context, c Change, existing []PostedComment) ([]Dismissal, error)
}

// DismissalSpender is a DismissalSource that asks a model to read replies (`reviewer ci`
// reads the bot's threads itself): what it spent, asked after Dismissed, joins the
// review's usage, so that the summary's cost is the whole run's.
type DismissalSpender interface {
	DismissalSource
	Spent() Usage
}

// Dismissal is one person's dismissal of a finding on a change, as the summary and the
// report show it. Who is a forge login: hostile text, rendered through package markdown.
type Dismissal struct {
	Fingerprint string
	// RuleID is the rule that raised the finding, when known.
	RuleID string
	Who    string
	// At is when it was said or recorded; zero when the forge did not say.
	At time.Time
}

// withoutDismissed drops the findings whose fingerprint is dismissed, and counts them.
func withoutDismissed(findings []Finding, dismissed map[string]bool) ([]Finding, int) {
	if len(dismissed) == 0 {
		return findings, 0
	}
	kept := findings[:0:0]
	n := 0
	for _, f := range findings {
		if dismissed[f.Fingerprint] {
			n++
			continue
		}
		kept = append(kept, f)
	}
	return kept, n
}

// dismissedSet is the fingerprints of ds.
func dismissedSet(ds []Dismissal) map[string]bool {
	if len(ds) == 0 {
		return nil
	}
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		out[d.Fingerprint] = true
	}
	return out
}

// sortDismissals orders ds by time, then fingerprint and who, so the summary and the
// report read the same on every run.
func sortDismissals(ds []Dismissal) []Dismissal {
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b Dismissal) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Fingerprint, b.Fingerprint); c != 0 {
			return c
		}
		return strings.Compare(a.Who, b.Who)
	})
	return ds
}

// DismissedFindings counts the distinct findings in ds.
func DismissedFindings(ds []Dismissal) int { return len(dismissedSet(ds)) }

// dismissers are the distinct people of ds, in the order they first dismissed (case
// folded: a forge's logins are not case sensitive).
func dismissers(ds []Dismissal) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range ds {
		k := strings.ToLower(d.Who)
		if d.Who == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d.Who)
	}
	return out
}
