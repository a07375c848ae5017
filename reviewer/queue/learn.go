package queue

import (
	"context"

	"github.com/riverqueue/river"
)

// learnKind names the learning job in River's table.
const learnKind = "reviewer.learn"

type learnArgs struct{}

// Kind implements river.JobArgs.
func (learnArgs) Kind() string { return learnKind }

// InsertOpts implements river.JobArgsWithInsertOpts: a failed run is not retried, the
// next period runs again.
func (learnArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// learnWorker runs Options.Learn.
type learnWorker struct {
	river.WorkerDefaults[learnArgs]
	learn func(ctx context.Context) error
}

func (w *learnWorker) Work(ctx context.Context, _ *river.Job[learnArgs]) error { return w.learn(ctx) }

// learnPeriodic is the periodic job River's leader inserts when Options.Learn is set:
// once at start (a run that finds nothing new writes nothing), then every LearnEvery.
func learnPeriodic(opts Options) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(opts.LearnEvery),
		func() (river.JobArgs, *river.InsertOpts) { return learnArgs{}, nil },
		&river.PeriodicJobOpts{ID: learnKind, RunOnStart: true})
}
