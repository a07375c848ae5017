package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// childEnv makes the test binary a worker process (see runChild) for the queue at the URL
// it holds; childWorkersEnv, when set, is its number of workers.
const (
	childEnv        = "REVIEWER_QUEUE_TEST_CHILD"
	childWorkersEnv = "REVIEWER_QUEUE_TEST_CHILD_WORKERS"
)

// runChild works the queue at url with a handler that announces the job on stdout and
// then hangs, until the parent kills the process.
func runChild(url string) {
	ctx := context.Background() // this process's root: it is a main, not a test
	workers, _ := strconv.Atoi(os.Getenv(childWorkersEnv))
	q, err := queue.Open(ctx, url, queue.ForTest(queue.Options{
		Workers:      workers,
		PollInterval: 50 * time.Millisecond,
		Debounce:     -1,
		Handler: func(ctx context.Context, _ queue.Job) error {
			info, _ := queue.JobInfo(ctx)
			fmt.Printf("running %d %d\n", info.ID, info.Attempt)
			<-ctx.Done()
			return ctx.Err()
		},
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := q.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("started")
	select {}
}

// worker is a worker process: the test binary running runChild.
type workerProc struct {
	cmd   *exec.Cmd
	lines chan string
}

// startWorker starts a worker process on url and waits until it has started its queue.
func startWorker(t *testing.T, url string, env ...string) *workerProc {
	t.Helper()
	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	child.Env = append(append(os.Environ(), childEnv+"="+url), env...)
	child.Stderr = os.Stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workerProc{cmd: child, lines: make(chan string, 100)}
	t.Cleanup(func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	})
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			w.lines <- s.Text()
		}
		close(w.lines)
	}()
	w.expect(t, "started")
	return w
}

// expect waits for the worker to print want.
func (w *workerProc) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case l, ok := <-w.lines:
		if !ok || l != want {
			t.Fatalf("worker process said %q, want %q", l, want)
		}
	case <-time.After(patience(t)):
		t.Fatalf("worker process did not say %q by the test's deadline", want)
	}
}

// kill kills the worker, as an OOM kill or a lost node does: no Stop, no clean-up.
func (w *workerProc) kill(t *testing.T) time.Time {
	t.Helper()
	killed := time.Now()
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = w.cmd.Wait() // killed: the error is the signal
	return killed
}

// killedMidJob enqueues a job, has a worker process take it and kills the process in
// the middle of it, leaving the job marked running, as a crashed or OOM-killed replica
// does. It returns the job and the time of the kill.
func killedMidJob(t *testing.T, url string) (queue.Enqueued, time.Time) {
	t.Helper()
	seed, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{Debounce: -1}))
	if err != nil {
		t.Fatal(err)
	}
	res := enqueue(t, seed, job(1, "aaaa"))
	seed.Close()
	w := startWorker(t, url)
	w.expect(t, fmt.Sprintf("running %d 1", res.JobID))
	return res, w.kill(t)
}

// River's rescuer takes a killed worker's job once it has been running for RescueAfter.
// On SQLite the next start takes it back first (testReclaimAtOpen).
func testRescue(t *testing.T, url string) {
	if strings.HasPrefix(url, "sqlite:") {
		t.Skip("SQLite takes a dead process's jobs back at the next start")
	}
	const rescueAfter = time.Second
	res, killed := killedMidJob(t, url)
	rec := newRecorder(nil)
	q, _ := open(t, url, queue.Options{Handler: rec.handle, JobTimeout: rescueAfter / 2, RescueAfter: rescueAfter})
	// The dead worker was River's leader, and its leadership would take 15 s to expire;
	// the new instance's rescuer (a leader's duty) need not wait for that here.
	if _, err := queue.ExecForTest(t.Context(), q, "DELETE FROM river_leader"); err != nil {
		t.Fatal(err)
	}
	// River's rescuer runs when its instance becomes leader and then every 30 s: start
	// once the job is overdue, so the first run finds it. This sleep is not a guess at
	// how long something takes: the condition the rescuer tests is the clock passing
	// the job's start (before the child said "running", so before killed) plus
	// rescueAfter, and a loaded machine only makes it hold sooner after the wake-up.
	time.Sleep(time.Until(killed.Add(rescueAfter + 200*time.Millisecond)))
	start(t, q)
	c := rec.next(t)
	if c.info.ID != res.JobID || c.info.Attempt != 2 {
		t.Errorf("rescued run = job %d attempt %d, want job %d attempt 2", c.info.ID, c.info.Attempt, res.JobID)
	}
	t.Logf("rescued %s after the kill", time.Since(killed))
}

// A SQLite file serves one process: the next process to open it takes back the jobs the
// killed one left running, at once, not after RescueAfter (20 minutes by default, far
// beyond this test's deadline).
func TestReclaimAtOpen(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + t.TempDir() + "/reviewer.db"
	res, killed := killedMidJob(t, url)
	rec := newRecorder(nil)
	q, logs := open(t, url, queue.Options{Handler: rec.handle})
	// The dead process's leadership is gone too, so this one is elected at once.
	if n, err := queue.ExecForTest(t.Context(), q, "DELETE FROM river_leader"); err != nil || n != 0 {
		t.Errorf("the dead process's leadership is still recorded (%d rows, %v)", n, err)
	}
	start(t, q)
	c := rec.next(t)
	if c.info.ID != res.JobID || c.info.Attempt != 2 {
		t.Errorf("run after restart = job %d attempt %d, want job %d attempt 2", c.info.ID, c.info.Attempt, res.JobID)
	}
	if !strings.Contains(logs.String(), "took back jobs a dead process left running") {
		t.Errorf("no log of the jobs taken back:\n%s", logs)
	}
	t.Logf("run again %s after the kill", time.Since(killed))
}

// While one process runs a SQLite queue, another is refused, with the file named: two
// would each take the other's running jobs for a dead process's.
func TestSecondProcessRefused(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/reviewer.db"
	url := "sqlite://" + path
	startWorker(t, url)
	q, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err == nil {
		q.Close()
		t.Fatal("a second process opened the queue file another process runs")
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "in use by another process") {
		t.Errorf("error %q does not say the file %s is in use by another process", msg, path)
	}
}

// Two replicas on PostgreSQL: one is killed mid-job while the other runs a job of its
// own. The live one, once River's leader, takes the dead one's job back (its liveness
// lock freed with its connections), and never its own running job, however long it
// runs.
func testKilledReplica(t *testing.T, url string) {
	testDeadReplica(t, url, func(t *testing.T, w *workerProc) time.Time { return w.kill(t) })
}

// As testKilledReplica, with a replica frozen (SIGSTOP) instead: its connections stay
// open and its liveness lock held, as with a node cut off from the network, and its job
// is taken back once it has been silent for HeartbeatTimeout.
func testFrozenReplica(t *testing.T, url string) {
	testDeadReplica(t, url, func(t *testing.T, w *workerProc) time.Time {
		frozen := time.Now()
		if err := w.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		return frozen
	})
}

func testDeadReplica(t *testing.T, url string, kill func(t *testing.T, w *workerProc) time.Time) {
	if strings.HasPrefix(url, "sqlite:") {
		t.Skip("a SQLite file serves one process")
	}
	release := make(chan struct{})
	defer close(release)
	rec := newRecorder(func(ctx context.Context, _ call) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	// Two workers: one for its own long job, one free for the dead replica's.
	live, _ := open(t, url, queue.Options{Handler: rec.handle, Workers: 2, HeartbeatTimeout: 3 * time.Second})
	// The doomed replica, with one worker, takes the first job and is then full.
	doomed := startWorker(t, url, childWorkersEnv+"=1")
	theirs := enqueue(t, live, job(1, "aaaa"))
	doomed.expect(t, fmt.Sprintf("running %d 1", theirs.JobID))
	start(t, live)
	ours := enqueue(t, live, job(2, "bbbb"))
	if c := rec.next(t); c.info.ID != ours.JobID || c.info.Attempt != 1 {
		t.Fatalf("live replica ran job %d attempt %d, want job %d attempt 1", c.info.ID, c.info.Attempt, ours.JobID)
	}
	killed := kill(t, doomed)

	c := rec.next(t)
	if c.info.ID != theirs.JobID || c.info.Attempt != 2 {
		t.Fatalf("live replica ran job %d attempt %d, want the dead replica's job %d, attempt 2", c.info.ID, c.info.Attempt, theirs.JobID)
	}
	t.Logf("taken back %s after the kill", time.Since(killed))
	// The pass that took the dead replica's job back ran with the live one's own job
	// running for longer than the timeout (it started before the kill). Had it been
	// taken too, it would wait available: both workers are busy.
	depthNow(t, live, map[string]int{"running": 2, "available": 0, "retryable": 0})
	if n := rec.count(); n != 2 {
		t.Errorf("handler called %d times, want 2", n)
	}
}
