package reviewer

// Progress is how far the model stage of a review has come, given to Options.Progress
// as it changes. Every count only grows.
type Progress struct {
	// Chunks is how many requests the change takes: the chunks planned, plus two for
	// each chunk whose answer was cut off and that was split and asked again.
	Chunks int
	// Sent counts the chunks asked so far, Answered those that have an answer (Cached of
	// them from the response cache) and Failed those that failed for good.
	Sent, Answered, Cached, Failed int
	// PromptTokens, CompletionTokens and CostUSD are what was spent so far.
	PromptTokens, CompletionTokens int
	CostUSD                        float64
}

// progress counts a review's progress and reports each change to fn, one call at a
// time, in order. It is used under the model stage's lock.
type progress struct {
	p  Progress
	fn func(Progress)
}

func (pr *progress) update(change func(*Progress)) {
	change(&pr.p)
	if pr.fn != nil {
		pr.fn(pr.p)
	}
}
