package reviewer

import "context"

// DismissalSource says which findings of a change people dismissed in the bot's threads:
// they are not posted again on that change, the same fingerprint after a rebase or an
// unrelated edit included, and no longer count against the status. existing are the
// bot's threads on the change, with their replies, as the publish step just read them.
type DismissalSource interface {
	Dismissed(ctx context.Context, c Change, existing []PostedComment) (map[string]bool, error)
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
