package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// childEnv makes the test binary a worker process (see runChild) for the queue at the URL
// it holds.
const childEnv = "REVIEWER_QUEUE_TEST_CHILD"

// runChild works the queue at url with a handler that announces the job on stdout and
// then hangs, until the parent kills the process.
func runChild(url string) {
	ctx := context.Background() // this process's root: it is a main, not a test
	q, err := queue.Open(ctx, url, queue.ForTest(queue.Options{
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
	select {}
}

func testRescue(t *testing.T, url string) {
	const rescueAfter = time.Second
	seed, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{Debounce: -1}))
	if err != nil {
		t.Fatal(err)
	}
	res := enqueue(t, seed, job(1, "aaaa"))
	seed.Close()

	// A worker process takes the job and is killed in the middle of it, leaving the job
	// marked running, as a crashed or OOM-killed replica does.
	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+url)
	child.Stderr = os.Stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "running ") {
				line <- s.Text()
				return
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if want := fmt.Sprintf("running %d 1", res.JobID); !ok || l != want {
			t.Fatalf("worker process said %q, want %q", l, want)
		}
	case <-time.After(patience(t)):
		_ = child.Process.Kill()
		t.Fatal("worker process did not start the job by the test's deadline")
	}
	killed := time.Now()
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait() // killed: the error is the signal

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
