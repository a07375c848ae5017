package reviewer

import (
	"context"
	"regexp"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// Conversation: what a person's reply in one of the bot's threads asks for. A small
// rule set reads it first; only a reply the rules cannot tell apart goes to the model
// (ReplyClassifier), in one small request.

// Intent is what a reply in the bot's thread asks for.
type Intent int

// The intents.
const (
	// IntentUnknown: the rules cannot tell; the model decides, if there is one.
	IntentUnknown Intent = iota
	// IntentDismiss: the finding is wrong or will not be acted on ("false positive",
	// "won't fix", "/dismiss").
	IntentDismiss
	// IntentQuestion: the person asks the bot something ("why?", "@bot explain").
	IntentQuestion
	// IntentAck: the person agrees or has fixed it ("done", "thanks"): nothing to do
	// beyond what the next push's review does.
	IntentAck
	// IntentOther: anything else (a note to a colleague): nothing to do.
	IntentOther
)

var intentNames = [...]string{"unknown", "dismiss", "question", "ack", "other"}

func (i Intent) String() string {
	if i < 0 || int(i) >= len(intentNames) {
		return "unknown"
	}
	return intentNames[i]
}

// ParseIntent reads an intent's name, as the model answers it.
func ParseIntent(s string) (Intent, bool) {
	for i, n := range intentNames {
		if n == s {
			return Intent(i), true
		}
	}
	return IntentUnknown, false
}

// ReplyClassifier asks the model what a reply the rules could not read asks for. The
// reply and the finding are untrusted; the implementation fences and redacts them.
type ReplyClassifier interface {
	ClassifyReply(ctx context.Context, finding, reply string) (Intent, TokenUsage, error)
}

// maxClassified bounds the text the rules read: a reply that says what it wants says it
// early, and the patterns then run over a bounded input whatever is sent.
const maxClassified = 2000

var (
	// quoteLine is a Markdown quote, usually of the bot's own comment: its words are not
	// the person's.
	quoteLine = regexp.MustCompile(`(?m)^[ \t]*>.*$`)
	// fenced is a fenced code block, whose words are code.
	fenced = regexp.MustCompile("(?s)```.*?(```|\\z)|~~~.*?(~~~|\\z)")
	// inlineCode is `code` inline.
	inlineCode = regexp.MustCompile("`[^`\n]*`")

	// commandDismiss and commandExplain are explicit commands at the start of a line.
	commandDismiss = regexp.MustCompile(`(?m)^\s*/(dismiss|wontfix|ignore)\b`)
	commandExplain = regexp.MustCompile(`(?m)^\s*/(explain|why)\b`)

	// negated is a negation just before a phrase: "this is not a false positive",
	// "don't ignore", "isn't intended".
	negated = regexp.MustCompile(`(\bnot|n't|\bnever|\bno)\s+(really\s+|actually\s+|quite\s+|a\s+|an\s+)*$`)

	dismissPhrases = []*regexp.Regexp{
		regexp.MustCompile(`\bfalse[ -]positives?\b`),
		regexp.MustCompile(`\bwon'?t\s+fix\b|\bwontfix\b|\bwill\s+not\s+fix\b|\bnot\s+going\s+to\s+fix\b`),
		regexp.MustCompile(`\b(is|was|it's|that's|this\s+is|behaviou?r\s+is)\s+(intended|intentional|deliberate|on\s+purpose)\b|^\s*(intended|intentional|deliberate|on\s+purpose)\b`),
		regexp.MustCompile(`\bby\s+design\b|\bworking\s+as\s+intended\b|\bworks\s+as\s+intended\b`),
		regexp.MustCompile(`\bnot\s+(a|an)\s+(bug|issue|problem)\b|\bnot\s+applicable\b|\bdoes\s+not\s+apply\b|\bdoesn't\s+apply\b`),
		regexp.MustCompile(`^\s*(please\s+)?ignore\s*(this|it|that)?\s*[.!]*\s*$|\b(please|safe\s+to|you\s+can)\s+ignore\s+(this|it|that)\b`),
		regexp.MustCompile(`\b(acceptable|accepted)\s+risk\b|\bwe\s+accept\s+(this|the)\s+risk\b`),
	}
	questionPhrases = []*regexp.Regexp{
		regexp.MustCompile(`\?`),
		regexp.MustCompile(`\bwhy\b`),
		regexp.MustCompile(`\bexplain\b|\bclarify\b|\belaborate\b`),
		regexp.MustCompile(`\bwhat\s+do\s+you\s+mean\b|\bwhat\s+does\s+this\s+mean\b|\bi\s+don'?t\s+(understand|get\s+it)\b`),
	}
	ackPhrases = []*regexp.Regexp{
		regexp.MustCompile(`\b(fixed|done|addressed|resolved|updated|changed)\b`),
		regexp.MustCompile(`\bthanks?\b|\bthank\s+you\b|\bthx\b|\bty\b`),
		regexp.MustCompile(`\b(good|nice|great)\s+(catch|point|find|spot)\b`),
		regexp.MustCompile(`\bwill\s+fix\b|\bfixing\s+(it|this|now)\b|\bagreed?\b|^\s*(ok|okay|yes|yep|sure|lgtm|\+1)\b`),
		regexp.MustCompile(`👍|✅`),
	}
)

// ClassifyReply reads a reply by the rules. It returns IntentUnknown when they cannot
// tell: no rule matches, a match is negated, or the reply both dismisses and asks
// ("is this a false positive?"). Quotes and code in the reply are not read: a quote of
// the bot's comment, or code, says nothing about what the person wants.
func ClassifyReply(body string) Intent {
	text := clipBytes(body, maxClassified)
	if commandDismiss.MatchString(text) {
		return IntentDismiss
	}
	if commandExplain.MatchString(text) {
		return IntentQuestion
	}
	text = fenced.ReplaceAllString(text, " ")
	text = quoteLine.ReplaceAllString(text, " ")
	text = inlineCode.ReplaceAllString(text, " ")
	text = strings.ToLower(strings.ReplaceAll(text, "’", "'"))

	dismiss, dismissNegated := matches(text, dismissPhrases)
	question, _ := matches(text, questionPhrases)
	ack, ackNegated := matches(text, ackPhrases)
	switch {
	case dismissNegated:
		return IntentUnknown
	case dismiss && question:
		return IntentUnknown
	case dismiss:
		return IntentDismiss
	case question:
		return IntentQuestion
	case ack && !ackNegated:
		return IntentAck
	}
	return IntentUnknown
}

// matches reports whether any phrase occurs in text, and whether one that does is
// negated.
func matches(text string, phrases []*regexp.Regexp) (found, isNegated bool) {
	for _, re := range phrases {
		for _, loc := range re.FindAllStringIndex(text, -1) {
			if negated.MatchString(text[:loc[0]]) && !startsWithNegation(text[loc[0]:loc[1]]) {
				isNegated = true
				continue
			}
			found = true
		}
	}
	return found && !isNegated, isNegated
}

// startsWithNegation reports whether a phrase carries its own "not" ("not a bug"): the
// words before it do not negate it again.
func startsWithNegation(phrase string) bool {
	return strings.HasPrefix(strings.TrimSpace(phrase), "not ")
}

// clipBytes cuts s to at most n bytes at a rune boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// ReadReply reads a reply in the bot's thread: by the rules, and when they cannot tell
// and cls is not nil, by the model, with the finding and the reply redacted first (red;
// nil uses redact.New). Without a model a reply the rules cannot read is IntentOther:
// nothing is done that the person did not plainly ask for.
func ReadReply(ctx context.Context, finding, reply string, cls ReplyClassifier, red *redact.Redactor) (Intent, TokenUsage, error) {
	if i := ClassifyReply(reply); i != IntentUnknown {
		return i, TokenUsage{}, nil
	}
	if cls == nil {
		return IntentOther, TokenUsage{}, nil
	}
	if red == nil {
		red = redact.New()
	}
	f, _ := red.String(clipBytes(finding, maxClassified))
	r, _ := red.String(clipBytes(reply, maxClassified))
	return cls.ClassifyReply(ctx, f, r)
}

// commentRuleRE reads the rule a comment names on its first line, as CommentBody writes
// it: "**Severity** · `rule-id`".
var commentRuleRE = regexp.MustCompile("\\A\\*\\*(?:Info|Warning|Error)\\*\\* · `([^`\n]{1,200})`")

// ParseCommentRule returns the rule id an inline comment of the bot's names, or "".
// Call it only on a body the adapter checked the bot wrote.
func ParseCommentRule(body string) string {
	m := commentRuleRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}
