package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

const (
	forgeGitHub = "github"
	forgeGitLab = "gitlab"

	// Outcomes of a delivery: the outcome label of reviewer_webhook_deliveries_total.
	outcomeQueued       = "queued"
	outcomeDuplicate    = "duplicate"
	outcomeDeduped      = "deduped"
	outcomeIgnored      = "ignored"
	outcomeLimited      = "limited"
	outcomeUnauthorized = "unauthorized"
	outcomeTooLarge     = "too_large"
	outcomeBadRequest   = "bad_request"
	outcomeTimeout      = "timeout"
	outcomeBusy         = "busy"
	outcomeError        = "error"

	// Log attribute keys.
	keyForge      = "forge"
	keyEvent      = "event"
	keyAction     = "action"
	keyDeliveryID = "delivery_id"
	keyRepo       = "repo"
	keyChange     = "change"
	keyHeadSHA    = "head_sha"
	keySender     = "sender"
	keyOutcome    = "outcome"
	keyStatus     = "status"
	keyReason     = "reason"
	keyJobID      = "job_id"
	keySuperseded = "superseded"
	keyUnsigned   = "unsigned"
	keyAckSeconds = "ack_seconds"
	keyError      = "error"
	keyHint       = "hint"

	// maxHeaderValue caps the delivery id and event name taken from headers: real ones
	// are a few dozen bytes, and anything longer is not worth a log line or a queue key.
	maxHeaderValue = 128
	// retryAfter is the Retry-After of a 503 when the queue could not store a job.
	retryAfter = 30 * time.Second
)

// delivery is what is known about one webhook delivery while it is handled: enough to
// label its metrics and to give every log line its attributes.
type delivery struct {
	forge string
	// event is the event header as sent (capped), for logs; label is its metric label.
	event, label string
	id           string
	action       string
	unsigned     bool
	job          queue.Job
}

// describe records the job a delivery would become, so that even an ignored delivery is
// logged with its repository, change and head.
func (d *delivery) describe(j queue.Job) { d.job = j }

// reply is the answer to a delivery.
type reply struct {
	status  int
	outcome string
	body    answer
	enq     queue.Enqueued
}

// answer is the JSON body of every answer to a delivery.
type answer struct {
	Queued    bool   `json:"queued"`
	JobID     int64  `json:"job_id,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Deduped   bool   `json:"deduped,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Error     string `json:"error,omitempty"`
}

// ignore answers a delivery that asks for no review. It is 202, not 4xx: the delivery was
// fine, and GitLab disables hooks that keep getting 4xx.
func ignore(format string, args ...any) reply {
	return reply{
		status:  http.StatusAccepted,
		outcome: outcomeIgnored,
		body:    answer{Reason: fmt.Sprintf(format, args...)},
	}
}

// limited answers a reply that is over ReplyLimit: 202, like ignore, and not queued.
func limited(which string) reply {
	return reply{
		status:  http.StatusAccepted,
		outcome: outcomeLimited,
		body:    answer{Reason: "too many replies in the bot's threads from " + which + " in the last hour; this one is not read"},
	}
}

// deliveryError refuses a delivery: status and public go to the forge, err only to the
// log. It is the one place where an error becomes a status code.
type deliveryError struct {
	status  int
	outcome string
	public  string
	err     error
}

func (e *deliveryError) Error() string {
	if e.err == nil {
		return e.public
	}
	return e.public + ": " + e.err.Error()
}

func (e *deliveryError) Unwrap() error { return e.err }

func unauthorized(public string) error {
	return &deliveryError{status: http.StatusUnauthorized, outcome: outcomeUnauthorized, public: public}
}

func badRequest(public string, err error) error {
	return &deliveryError{status: http.StatusBadRequest, outcome: outcomeBadRequest, public: public, err: err}
}

// notConfigured answers on the endpoint of a forge without a secret: unsigned deliveries
// are never accepted by accident.
func notConfigured(forge string) error {
	return &deliveryError{
		status:  http.StatusNotFound,
		outcome: outcomeUnauthorized,
		public:  forge + " webhooks are not configured on this server",
	}
}

// handler handles one forge's deliveries. It returns the reply, or an error that
// deliveries turns into one.
type handler func(ctx context.Context, w http.ResponseWriter, r *http.Request, d *delivery) (reply, error)

// deliveries wraps a forge's handler: it answers, counts and logs every delivery once.
func (s *Server) deliveries(forge string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		d := &delivery{forge: forge, label: labelOther}
		rep, err := h(ctx, w, r, d)
		if err != nil {
			rep = failure(err)
		}
		writeReply(w, rep)
		took := time.Since(start)
		s.metrics.observe(forge, d.label, rep.outcome, took)
		s.logDelivery(ctx, d, rep, err, took)
	})
}

// failure turns a handler's error into its reply.
func failure(err error) reply {
	var de *deliveryError
	if !errors.As(err, &de) {
		de = &deliveryError{status: http.StatusInternalServerError, outcome: outcomeError, public: "internal error"}
	}
	return reply{status: de.status, outcome: de.outcome, body: answer{Error: de.public}}
}

func writeReply(w http.ResponseWriter, rep reply) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	if rep.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
	w.WriteHeader(rep.status)
	// The forge may have hung up; there is no one to tell.
	_ = json.NewEncoder(w).Encode(rep.body)
}

// logDelivery writes the delivery's one log line. It never logs a body or a header other
// than the event and delivery id.
func (s *Server) logDelivery(ctx context.Context, d *delivery, rep reply, err error, took time.Duration) {
	level := slog.LevelInfo
	switch rep.outcome {
	case outcomeQueued, outcomeDuplicate, outcomeDeduped, outcomeIgnored:
	case outcomeError:
		// The top of the delivery's handling: the error is logged here and only here.
		level = slog.LevelError
	default:
		level = slog.LevelWarn
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := deliveryAttrs(d, rep, err, took)
	switch rep.outcome {
	case outcomeQueued, outcomeDuplicate, outcomeDeduped:
		s.log.LogAttrs(ctx, level, "delivery queued", attrs...)
	case outcomeIgnored:
		s.log.LogAttrs(ctx, level, "delivery ignored", attrs...)
	case outcomeLimited:
		s.log.LogAttrs(ctx, level, "reply not queued: over the reply limit", attrs...)
	case outcomeError:
		s.log.LogAttrs(ctx, level, "delivery not queued", attrs...)
	default:
		s.log.LogAttrs(ctx, level, "delivery rejected", attrs...)
	}
}

func deliveryAttrs(d *delivery, rep reply, err error, took time.Duration) []slog.Attr {
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String(keyForge, d.forge),
		slog.String(keyEvent, d.event),
		slog.String(keyDeliveryID, d.id),
	)
	if d.action != "" {
		attrs = append(attrs, slog.String(keyAction, d.action))
	}
	if j := d.job; j.Repo != "" {
		attrs = append(attrs, slog.String(keyRepo, j.Repo))
		if j.Number != 0 {
			attrs = append(attrs, slog.Int(keyChange, j.Number))
		}
		if j.HeadSHA != "" {
			attrs = append(attrs, slog.String(keyHeadSHA, j.HeadSHA))
		}
		if j.Sender != "" {
			attrs = append(attrs, slog.String(keySender, j.Sender))
		}
	}
	attrs = append(attrs,
		slog.String(keyOutcome, rep.outcome),
		slog.Int(keyStatus, rep.status),
		slog.Float64(keyAckSeconds, took.Seconds()),
	)
	if d.unsigned {
		attrs = append(attrs, slog.Bool(keyUnsigned, true))
	}
	if rep.body.Reason != "" {
		attrs = append(attrs, slog.String(keyReason, rep.body.Reason))
	}
	if rep.body.JobID != 0 {
		attrs = append(attrs, slog.Int64(keyJobID, rep.body.JobID))
	}
	if len(rep.enq.Superseded) > 0 {
		attrs = append(attrs, slog.Any(keySuperseded, rep.enq.Superseded))
	}
	if err != nil {
		attrs = append(attrs, slog.String(keyError, err.Error()))
	}
	if rep.outcome == outcomeError {
		attrs = append(attrs, slog.String(keyHint,
			"answered 503: GitHub does not redeliver failed deliveries by itself; redeliver this one "+
				"from the webhook's recent deliveries (GitLab: its request history) once the queue is back"))
	}
	return attrs
}

// readBody reads the body of a delivery that is not yet verified: it takes one of the
// budget's readers and charges every byte of its buffer to the budget before the buffer
// is allocated. A body of at most smallBody declared bytes gets them at once; a larger
// one, or one of unknown length, grows its buffer as bytes arrive (doubling), so it holds
// at most twice what was sent, whatever Content-Length claims. release gives the bytes
// back once the delivery is handled. See read for what can go wrong.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (_ []byte, release func(), _ error) {
	return s.read(w, r, true)
}

const (
	// firstChunk is the buffer a larger body, or one of unknown length, gets before its
	// first byte arrives: a slow body that sends nothing holds no more.
	firstChunk = 4 << 10
	// smallBody is the largest body given its whole declared length at once. Most real
	// deliveries are smaller: they take the budget once, when they are admitted, and can
	// not lose a race for more while a flood holds the rest.
	smallBody = 64 << 10
)

// firstBuffer is the size of a body's first buffer.
func firstBuffer(limit int64) int64 {
	if limit <= smallBody {
		return limit
	}
	return firstChunk
}

// read reads the whole body, at most s.maxBody bytes: larger is 413. A body whose
// delivery is already authenticated by a header (a GitLab token), not unverified, is
// charged to the budget like any but takes none of the readers meant for bodies that are
// not verified, and is never evicted. The body must arrive within s.bodyTimeout of the
// handler's start, or it is 408. Waiting for the budget takes at most s.budgetWait, then
// it is 503 with Retry-After, as it is for a body evicted for a newer one (see budget).
func (s *Server) read(w http.ResponseWriter, r *http.Request, unverified bool) (_ []byte, release func(), _ error) {
	if r.ContentLength > s.maxBody {
		return nil, nil, s.tooLarge()
	}
	start := time.Now()
	deadline := start.Add(s.bodyTimeout)
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	rd := &reading{cut: func() {
		cancel()
		_ = rc.SetReadDeadline(time.Unix(1, 0)) // the blocked Read returns now
	}}
	// Tests serve through a ResponseRecorder, which has no connection to set it on.
	if err := rc.SetReadDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil, nil, badRequest("body could not be read", err)
	}
	b, err := s.readBudgeted(ctx, w, r, rd, unverified)
	evicted := s.budget.leave(rd)
	if err != nil {
		s.budget.done(rd)
		// The server would otherwise read what is left of the body, up to our deadline,
		// before it answers: end the reads so the answer goes now and the connection
		// closes after it.
		_ = rc.SetReadDeadline(time.Unix(1, 0))
		if evicted {
			err = errEvicted
		}
		return nil, nil, s.readError(err, !time.Now().Before(deadline))
	}
	// No longer evictable: the connection reads again without our deadline (the server
	// sets its own for the next request). A body evicted between its last byte and
	// leave is read all the same: its bytes go uncounted while it is handled, which is
	// better than refusing a delivery that has fully arrived.
	_ = rc.SetReadDeadline(time.Time{})
	return b, func() { s.budget.done(rd) }, nil
}

// readBudgeted reads the body into a buffer that starts at firstBuffer and doubles as it
// fills, each size taken from the budget before it is allocated and the old one given
// back once copied.
func (s *Server) readBudgeted(ctx context.Context, w http.ResponseWriter, r *http.Request, rd *reading, unverified bool) ([]byte, error) {
	limit := s.maxBody
	if r.ContentLength >= 0 {
		limit = r.ContentLength
	}
	waitCtx, cancel := context.WithTimeout(ctx, s.budgetWait)
	err := s.budget.take(waitCtx, rd, unverified, firstBuffer(limit))
	cancel()
	if err != nil {
		return nil, err
	}
	body := http.MaxBytesReader(w, r.Body, s.maxBody)
	buf := make([]byte, 0, firstBuffer(limit))
	for {
		if len(buf) == cap(buf) {
			if int64(cap(buf)) >= limit {
				// Full: the body must end here (a larger one is 413).
				var probe [1]byte
				n, err := body.Read(probe[:])
				if n > 0 {
					return nil, &http.MaxBytesError{Limit: s.maxBody}
				}
				if err == nil {
					continue
				}
				if errors.Is(err, io.EOF) {
					return buf, nil
				}
				return nil, err
			}
			grown := min(max(2*int64(cap(buf)), firstChunk), limit)
			waitCtx, cancel := context.WithTimeout(ctx, s.budgetWait)
			err := s.budget.take(waitCtx, rd, false, grown)
			cancel()
			if err != nil {
				return nil, err
			}
			nb := make([]byte, len(buf), grown)
			copy(nb, buf)
			s.budget.give(rd, int64(cap(buf)))
			buf = nb
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readError is the answer to a body that could not be read; late says the body's time
// is up.
func (s *Server) readError(err error, late bool) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return s.tooLarge()
	case errors.Is(err, errEvicted):
		return &deliveryError{status: http.StatusServiceUnavailable, outcome: outcomeBusy,
			public: "cut off to make room: the body arrived too slowly while the server was busy; redeliver later", err: err}
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded) && late:
		return &deliveryError{status: http.StatusRequestTimeout, outcome: outcomeTimeout,
			public: fmt.Sprintf("body not received within %s", s.bodyTimeout), err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &deliveryError{status: http.StatusServiceUnavailable, outcome: outcomeBusy,
			public: "too many deliveries are being read at once; redeliver later", err: err}
	}
	return badRequest("body could not be read", err)
}

func (s *Server) tooLarge() error {
	return &deliveryError{
		status:  http.StatusRequestEntityTooLarge,
		outcome: outcomeTooLarge,
		public:  fmt.Sprintf("body larger than %d bytes", s.maxBody),
	}
}

// enqueue stores j and answers once it is stored. The call is detached from the request:
// once started, storing the job does not depend on the forge waiting for the answer.
func (s *Server) enqueue(ctx context.Context, d *delivery, j queue.Job) (reply, error) {
	j.DeliveryID = d.id
	d.describe(j)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.enqueueTimeout)
	defer cancel()
	res, err := s.enq.Enqueue(ctx, j)
	if err != nil {
		return reply{}, &deliveryError{
			status:  http.StatusServiceUnavailable,
			outcome: outcomeError,
			public:  "the review could not be queued; redeliver later",
			err:     err, // the queue names the job
		}
	}
	outcome := outcomeQueued
	switch {
	case res.Duplicate:
		outcome = outcomeDuplicate
	case res.Deduped:
		outcome = outcomeDeduped
	}
	return reply{
		status:  http.StatusAccepted,
		outcome: outcome,
		body:    answer{Queued: true, JobID: res.JobID, Duplicate: res.Duplicate, Deduped: res.Deduped},
		enq:     res,
	}, nil
}

// headerValue returns a header capped at maxHeaderValue bytes.
func headerValue(h http.Header, name string) string {
	v := h.Get(name)
	if len(v) > maxHeaderValue {
		v = v[:maxHeaderValue]
	}
	return v
}
