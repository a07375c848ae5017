package statuspage

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestUIUnknownUserCostsAsMuch: an unknown user is checked against a dummy hash of the
// same bcrypt cost as the users' (htpasswd -B's default is 5, operators choose more), so
// that the 401's delay does not tell which users exist.
func TestUIUnknownUserCostsAsMuch(t *testing.T) {
	t.Parallel()
	const cost = bcrypt.MinCost + 2
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), cost)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAuth(Options{Users: map[string][]byte{"ops": hash}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bcrypt.Cost(a.dummy); err != nil || got != cost {
		t.Errorf("the dummy hash costs %d (%v), want the users' %d", got, err, cost)
	}
}
