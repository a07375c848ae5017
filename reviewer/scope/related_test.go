package scope_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// relatedSrc is a Go file whose Handle (lines 20-25) calls redirect (lines 8-11) and
// reads state, which store (lines 13-16) writes; err is on too many lines to say anything.
var relatedSrc = `package svc

import "errors"

var state int

// redirect sends the caller elsewhere.
func redirect(to string) error {
	state = 2
	return errors.New(to)
}

func store(v int) {
	// written before the flag
	state = v
}

var errLost = errors.New("lost")

func Handle(to string) error {
	if state == 1 {
		return redirect(to)
	}
	return errLost
}
`

func related(spans []scope.Span) []string {
	var out []string
	for _, sp := range spans {
		if sp.Kind&scope.KindRelated != 0 {
			out = append(out, fmt.Sprintf("%d-%d rank %d: %s", sp.Start, sp.End, sp.Rank, sp.Label()))
		}
	}
	return out
}

// TestRelatedSpans: the scopes that the changed lines' identifiers lead to come after the
// enclosing scope, best first: the function whose signature declares a called name
// (twice the weight of a use) before one that only uses a name; a span next to another
// merges with it; none without Options.Related, and no more than it asks.
func TestRelatedSpans(t *testing.T) {
	t.Parallel()
	src := []byte(relatedSrc)
	tests := []struct {
		name    string
		changed []int
		opts    scope.Options
		want    []string
	}{
		{"off", []int{22}, scope.Options{}, nil},
		{"the definition of a called function", []int{22}, scope.Options{Related: 1}, []string{"7-11 rank 1: related code using redirect"}},
		// var state (5), redirect (7-11) and store (13-16) are all related, and merge
		// with the header, which they nearly touch.
		{"then the other users of a variable", []int{21, 22}, scope.Options{Related: 3}, []string{
			"1-16 rank 0: file header and related code using state",
		}},
		{"a removed line's names count", []int{24}, scope.Options{Related: 1, Removed: []string{"\tstore(3)"}}, []string{"13-16 rank 1: related code using store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := related(scope.Spans("svc.go", src, tt.changed, tt.opts))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("related spans (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRelatedSkipsCommonNames: a name on more lines of the file than a search would
// narrow down (here on 40) brings no related code, however often the change uses it.
func TestRelatedSkipsCommonNames(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("package p\n\n")
	for i := range 40 {
		fmt.Fprintf(&b, "func f%d() { common() }\n\n", i)
	}
	b.WriteString("func g() {\n\tcommon()\n}\n")
	src := []byte(b.String())
	n := strings.Count(b.String(), "\n")
	if got := related(scope.Spans("p.go", src, []int{n - 1}, scope.Options{Related: 3})); got != nil {
		t.Errorf("related spans for a common name: %v", got)
	}
}

// BenchmarkRelatedManyScopes: a 1 MB Go file of small functions, every other one changed,
// each calling a name the next one calls too. Every occurrence outside the changed
// functions is checked against the spans already chosen; a scan of them all made this
// cost the number of functions squared (BENCHMARKS.md).
func BenchmarkRelatedManyScopes(b *testing.B) {
	var src strings.Builder
	src.WriteString("package p\n")
	var changed []int
	for i, l := 0, 1; src.Len() < 1<<20; i, l = i+1, l+6 {
		fmt.Fprintf(&src, "func f%d() {\n\ta%d()\n}\nfunc g%d() {\n\ta%d()\n}\n", i, i, i, i)
		changed = append(changed, l+2)
	}
	data := []byte(src.String())
	b.ReportAllocs()
	for b.Loop() {
		scope.Spans("p.go", data, changed, scope.Options{MaxScopeLines: 200, Related: 3})
	}
}
