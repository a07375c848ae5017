// Package queue is the service's durable review queue: River on an embedded SQLite file
// (the default) or on PostgreSQL (several replicas), with one job per change and head,
// newer heads superseding older ones, and a response cache shared by the replicas.
//
// It sits between the webhook intake and the pipeline: `reviewer serve` turns each
// accepted delivery into a [Job], [Queue.Enqueue]s it before acknowledging the delivery,
// and a [Handler] later runs reviewer.Reviewer.Review for it. A delivery is therefore
// never lost once acknowledged, and a replica that dies mid-review leaves its job to be
// run again: on SQLite by the next process to open the file, at once; on PostgreSQL by
// River's leader once the dead replica's heartbeat stops ([Options.HeartbeatTimeout],
// sooner when its process is gone); in any case after [Options.RescueAfter].
//
// What Enqueue guarantees, on both databases and across replicas:
//
//   - a delivery id seen from the same forge in the last 7 days queues nothing
//     ([Enqueued.Duplicate]); the forges name deliveries independently, so the same id
//     from the other forge is another delivery;
//   - a head with an unfinished job is merged into it ([Enqueued.Deduped]); once that
//     job has finished, the same head may be queued again (a later /review); a job whose
//     requester the worker checks ([Job.SenderID]) is never merged with another, nor
//     another with it, since the worker may turn one down and not the other;
//   - a new head of a change cancels the change's job at another head, waiting or
//     running ([Enqueued.Superseded]); with [Options.Debounce], a burst of pushes costs
//     one review of the newest head.
//
// Each job runs with the attempt and id in its context ([JobInfo]). Failures are
// retried with River's backoff, capped at 10 minutes, unless wrapped in [Permanent];
// [RetryAfter] carries a rate limit's hint.
//
// The running job of a superseded head has its context cancelled as soon as its
// replica hears of it: on PostgreSQL through LISTEN/NOTIFY at commit, on SQLite through
// River's notification table, which every instance polls every 50 ms; either way River
// also polls for cancellations once a minute in case a notification is lost. A handler
// calls [Queue.Superseded] right before it publishes, to close the remaining window.
//
// The database's schema is versioned: River's tables by River's migrator, the queue's
// own by the ordered migrations in migrate.go, recorded in reviewer_migration. [Open]
// applies what is missing, or with [Options.CheckSchema] refuses to; [Migrate] applies
// or lists them for an operator; a database a newer release migrated is refused.
//
// Every review attempt is recorded in the [History], which `reviewer history` and the
// status page read. Expired rows (deliveries, idle changes, cache entries, token usage,
// review history) are deleted by a periodic job that River's leader inserts hourly, in
// bounded batches, never by Enqueue.
package queue
