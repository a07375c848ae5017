package chunk

// Count estimates how many tokens a BPE tokenizer of the GPT-4 / GPT-4o families
// (cl100k_base, o200k_base) turns s into. It is built to err on the high side: on the
// fixture diffs it never undercounts either tokenizer by more than 10% (see count_test.go
// and BENCHMARKS.md for the measured ratios), because a chunk that is really larger than
// its estimate can overflow the model's context, while an overestimate only wastes a
// little budget.
//
// It is a byte-class heuristic that mirrors how those tokenizers pre-split text: runs of
// letters (split again at lower-to-upper case changes), groups of up to three digits,
// runs of punctuation, newlines and indentation, and non-ASCII characters, each class with
// a cost per run start and per further byte. It makes one pass over s and allocates
// nothing, so it runs on 100,000-line diffs in a few milliseconds.
//
// Count is subadditive: Count(a+b) <= Count(a)+Count(b), since joining two strings can only
// merge runs. A sum of the estimates of a prompt's pieces therefore never undercounts the
// estimate of the whole prompt.
func Count(s string) int {
	var units, digits int
	prev := clsNone // charges the first byte its class's full cost, which keeps Count subadditive
	for i := 0; i < len(s); i++ {
		c := byteClass[s[i]]
		switch c {
		case clsLower:
			if prev == clsLower || prev == clsUpper {
				units += costLetter
			} else {
				units += costWord
			}
		case clsUpper:
			if prev == clsUpper {
				units += costLetter
			} else {
				units += costWord
			}
		case clsDigit:
			if prev != clsDigit {
				digits = 0
			}
			if digits%3 == 0 {
				units += costDigits
			}
			digits++
		case clsSpace:
			if prev == clsSpace || prev == clsNewline || prev == clsNone {
				units += costSpaceMore
			} else {
				units += costSpace
			}
		case clsNewline:
			if prev != clsNewline {
				units += costNewline
			}
		case clsPunct:
			if prev == clsPunct {
				units += costPunctMore
			} else {
				units += costPunct
			}
		case clsLead:
			units += costRune
		case clsCont:
			units += costCont
		}
		prev = c
	}
	return (units + unit - 1) / unit
}

// Costs are in 1/unit of a token. They were fitted on the fixture diffs against
// cl100k_base and o200k_base (count_test.go prints the ratios); raise one, never lower
// one, when a new fixture undercounts.
const (
	unit          = 16
	costWord      = 10 // the first letter of a word or of a camelCase segment
	costLetter    = 3  // each further letter
	costDigits    = 18 // each group of up to three digits
	costSpace     = 0  // a single space joins the token after it
	costSpaceMore = 2  // indentation and runs of spaces
	costNewline   = 8  // a run of line breaks; often joins punctuation or indentation
	costPunct     = 16 // the first of a run of punctuation
	costPunctMore = 4  // each further punctuation byte
	costRune      = 8  // the lead byte of a non-ASCII character
	costCont      = 4  // each continuation byte of a non-ASCII character
)

const (
	clsPunct uint8 = iota
	clsLower
	clsUpper
	clsDigit
	clsSpace
	clsNewline
	clsLead
	clsCont
	clsNone // before the first byte
)

var byteClass = func() (t [256]uint8) {
	for b := range 256 {
		switch {
		case b >= 'a' && b <= 'z' || b == '_':
			t[b] = clsLower
		case b >= 'A' && b <= 'Z':
			t[b] = clsUpper
		case b >= '0' && b <= '9':
			t[b] = clsDigit
		case b == ' ' || b == '\t' || b == '\f' || b == '\v':
			t[b] = clsSpace
		case b == '\n' || b == '\r':
			t[b] = clsNewline
		case b >= 0xC0:
			t[b] = clsLead
		case b >= 0x80:
			t[b] = clsCont
		default:
			t[b] = clsPunct
		}
	}
	return t
}()
