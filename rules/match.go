package rules

// matcher is a placeholder replaced by the rules implementation.
type matcher struct{}
