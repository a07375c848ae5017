package main

import (
	"strings"
	"testing"
)

// TestSummaryHeadSealed: with security.key set, review --change seals the head its summary
// names, and the next push's review starts from it (the model sees what changed since);
// without a key (and without a gateway key) nothing is sealed, and every push gets a whole
// review, since a head anyone could have written must not decide what the model is shown.
func TestSummaryHeadSealed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		env         []string
		incremental bool
	}{
		{"security.key", []string{"REVIEWER_SECURITY_KEY=an operator secret"}, true},
		{"no key", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newGitHubFake(t, changeV1(t))
			env := append(gatewayEnv(newModelGateway(t, e2eModelFindings)), tt.env...)
			reviewChange(t, f, env)
			f.push(changeV2(t)) // a rebase: the reviewed head is gone, a whole review
			reviewChange(t, f, env)
			_, _, issue, _ := f.snapshot()
			if sealed := strings.Contains(issue[0].Body, " seal="); sealed != tt.incremental {
				t.Errorf("the summary's marker sealed: %v, want %v:\n%s", sealed, tt.incremental, issue[0].Body)
			}
			f.push(changeV3(t))
			reviewChange(t, f, env)
			_, _, issue, _ = f.snapshot()
			since := "the model saw what changed since `" + shaHead2[:12] + "`"
			if got := strings.Contains(issue[0].Body, since); got != tt.incremental {
				t.Errorf("the review after the fix says %q: %v, want %v:\n%s", since, got, tt.incremental, issue[0].Body)
			}
		})
	}
}
