package webhook

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Replies are bounded per writer, and per change at changeShare times that. Anyone who can comment on a change can
// reply in the bot's threads, as often as they like; each reply job asks the forge for
// the thread and the writer's permission before anything else, so a flood of replies
// would spend the installation's API rate limit, which the reviews of every other change
// need. A reply over either bound is answered 202 and not queued: a person answering in a
// thread stays far below them, and the bound is per replica.

// DefaultRepliesPerHour and DefaultReplyBurst are ReplyLimit's defaults.
const (
	DefaultRepliesPerHour = 60
	DefaultReplyBurst     = 20
)

// changeShare is how many writers' worth of replies a change's bound holds: one writer,
// held by their own bound, can spend at most this share of it, so that a stranger who
// replies as fast as their bound lets them does not starve the change of the replies of
// the people who may dismiss (on GitLab, whose notes do not say who those are). To keep a
// change's bound empty takes this many accounts replying without pause.
const changeShare = 5

// maxReplyKeys bounds the changes and writers the limiter remembers; past it, those whose
// bucket is full again are forgotten, and if that is not enough, all are.
const maxReplyKeys = 10000

// ReplyLimit bounds the reply jobs queued per change and per writer: PerHour on average,
// Burst at once. Zero fields take the defaults; a negative PerHour turns the bound off.
type ReplyLimit struct {
	PerHour int
	Burst   int
}

type replyLimiter struct {
	every rate.Limit
	burst int
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newReplyLimiter(l ReplyLimit, now func() time.Time) *replyLimiter {
	if l.PerHour < 0 {
		return nil
	}
	if l.PerHour == 0 {
		l.PerHour = DefaultRepliesPerHour
	}
	if l.Burst <= 0 {
		l.Burst = DefaultReplyBurst
	}
	return &replyLimiter{every: rate.Limit(float64(l.PerHour) / 3600), burst: l.Burst, now: now, keys: map[string]*rate.Limiter{}}
}

// allow reports whether j, a reply job, may be queued, and if not which bound it passed.
// A reply counts against both bounds only when both allow it. A trusted writer (one who
// may have write access, or the change's author) is held by the writer bound alone: the
// change bound is shared by everyone who can comment, and a stranger replying once a
// minute would otherwise keep it empty, so that the maintainers' dismissals and questions
// in the bot's threads were dropped for as long as the stranger kept on.
func (r *replyLimiter) allow(j queue.Job, trusted bool) (bool, string) {
	if r == nil {
		return true, ""
	}
	change := j.Forge + "\x00" + j.Repo + "\x00" + strconv.Itoa(j.Number)
	writer := j.Forge + "\x00writer\x00" + strconv.FormatInt(j.Reply.AuthorID, 10) + "\x00" + j.Reply.Author
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) >= maxReplyKeys {
		r.forget(now)
	}
	w := r.limiter(writer, 1)
	if trusted {
		if !w.AllowN(now, 1) {
			return false, "this writer"
		}
		return true, ""
	}
	c := r.limiter(change, changeShare)
	switch {
	case c.TokensAt(now) < 1:
		return false, "this change"
	case w.TokensAt(now) < 1:
		return false, "this writer"
	}
	c.AllowN(now, 1)
	w.AllowN(now, 1)
	return true, ""
}

// limiter returns the bucket of key, holding share times a writer's.
func (r *replyLimiter) limiter(key string, share int) *rate.Limiter {
	l := r.keys[key]
	if l == nil {
		l = rate.NewLimiter(r.every*rate.Limit(share), r.burst*share)
		r.keys[key] = l
	}
	return l
}

// forget drops the limiters whose bucket is full again, which behave as new ones would;
// if that leaves too many, it drops them all.
func (r *replyLimiter) forget(now time.Time) {
	for k, l := range r.keys {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(r.keys, k)
		}
	}
	if len(r.keys) >= maxReplyKeys {
		clear(r.keys)
	}
}
