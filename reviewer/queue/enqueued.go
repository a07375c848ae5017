package queue

// Enqueued is what Enqueue did with a job. The webhook answers the forge only once it has
// it, so a delivery is acknowledged only when its job is durably stored.
type Enqueued struct {
	// JobID is the job that will review the change: the new one, or the one this
	// delivery or head was merged into (for a duplicate delivery, the job it made the
	// first time, or 0 if it made none).
	JobID int64
	// Duplicate reports that the delivery id was seen before (a forge's redelivery):
	// nothing new was stored.
	Duplicate bool
	// Deduped reports that an unfinished job already reviews this head (or, for a job
	// without a head, any head of the change): nothing new was stored, JobID is that job.
	Deduped bool
	// Superseded lists the jobs of the same change at another head that this one
	// cancelled: a waiting one never runs, a running one has its context cancelled.
	Superseded []int64
}
