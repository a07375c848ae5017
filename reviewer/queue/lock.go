package queue

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"
)

// A SQLite queue file serves one process. Its jobs are only ever run by that process, so
// jobs that are "running" when a process takes the file were left by a dead one and can
// be taken back at once instead of after Options.RescueAfter. The lock that makes this
// true is an OS file lock on a file beside the database (path + ".lock"), which the
// kernel releases when its process dies however it dies. Queues of one process share it:
// several may open one file (tests do), and the jobs are taken back only when the
// process first takes the lock, before any of its queues runs a job.

// fileLock is one process's hold on a queue file.
type fileLock struct {
	fl   *flock.Flock
	refs int
}

var fileLocks = struct {
	sync.Mutex
	m map[string]*fileLock
}{m: map[string]*fileLock{}}

// lockFile takes path's lock for this process, or a share of it if the process holds it
// already. first reports whether this call took it, with no other queue of the process
// on the file: then whatever runs in the file was left by a dead process. onFirst runs
// while the lock is held and before any other queue of the process may open the file;
// its error gives the lock back. release gives this share back.
func lockFile(path string, onFirst func() error) (release func(), err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fileLocks.Lock()
	defer fileLocks.Unlock()
	l := fileLocks.m[abs]
	if l == nil {
		fl := flock.New(abs + ".lock")
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", fl.Path(), err)
		}
		if !ok {
			return nil, fmt.Errorf("%s is in use by another process (it holds %s): a SQLite queue serves one process; "+
				"stop the other, or use PostgreSQL (queue.url) for several replicas", abs, fl.Path())
		}
		if err := onFirst(); err != nil {
			_ = fl.Unlock() // the lock's own file stays: it is harmless and reused
			return nil, err
		}
		l = &fileLock{fl: fl}
		fileLocks.m[abs] = l
	}
	l.refs++
	var once sync.Once
	return func() {
		once.Do(func() {
			fileLocks.Lock()
			defer fileLocks.Unlock()
			if l.refs--; l.refs == 0 {
				delete(fileLocks.m, abs)
				_ = l.fl.Unlock() // closing the descriptor releases the lock anyway
			}
		})
	}, nil
}
