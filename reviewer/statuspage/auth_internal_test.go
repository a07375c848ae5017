package statuspage

import (
	"sync"
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

// TestUIGuessesShareOneCore: every basic-auth guess costs a bcrypt comparison, tens of
// milliseconds of a core; guesses sent side by side must not take every core from the
// reviews. While one comparison runs, another guess is refused without one.
func TestUIGuessesShareOneCore(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAuth(Options{Users: map[string][]byte{"ops": hash}})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	n := 0
	a.compare = func(h, p []byte) error {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			close(entered)
			<-release
		}
		return bcrypt.CompareHashAndPassword(h, p)
	}
	done := make(chan bool)
	go func() { done <- a.basicOK("ops", "guess-1") }()
	<-entered
	if a.basicOK("ops", "guess-2") {
		t.Error("a wrong guess was accepted")
	}
	mu.Lock()
	got := n
	mu.Unlock()
	close(release)
	<-done
	if got != 1 {
		t.Errorf("%d bcrypt comparisons ran side by side, want 1", got)
	}
	// Once the slot is free, the right password is accepted.
	if !a.basicOK("ops", "pw") {
		t.Error("the right password was refused")
	}
}
