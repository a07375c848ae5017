// Package pgtest gives tests a fresh PostgreSQL database each, so that code meant for
// PostgreSQL (the service's shared queue) is tested against the real server, not a fake.
//
// The server is the one REVIEWER_TEST_POSTGRES_URL names (.ci/run starts one and sets
// it), or else a throwaway one this package starts once per test binary from the
// PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin (Debian's postgresql-15
// package), in a temporary directory, listening only on a Unix socket there, with
// fsync off. Running as root, it runs the server as the postgres user, as PostgreSQL
// refuses root. A test binary that uses it calls Main from TestMain, which stops that
// server when the tests are done:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// When neither works, URL skips the test, saying why; but when the CI environment
// variable is set, it fails the test instead: CI must never pass by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding a server URL to create test databases
// in. The URL's own database is used only to run CREATE DATABASE.
const EnvURL = "REVIEWER_TEST_POSTGRES_URL"

var (
	startOnce sync.Once
	started   *server
	startErr  error
)

// URL returns the connection URL of a new, empty database for t, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
	defer cancel()
	base, err := serverURL(ctx)
	if err != nil {
		unavailable(t, err)
	}
	name := "reviewer_test_" + randomHex(8)
	if err := adminExec(ctx, base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now; the drop gets its own bound.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		// FORCE ends connections a test left open (a killed subprocess's, say).
		if err := adminExec(ctx, base, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s does not parse", EnvURL)
	}
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests and then stops the server this package started, if it did.
func Main(m *testing.M) {
	defer stop()
	m.Run()
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("pgtest: no PostgreSQL, and CI is set, so this test may not be skipped: %v", err)
	}
	t.Skipf("pgtest: no PostgreSQL (set %s, or install postgresql-15): %v", EnvURL, err)
}

func serverURL(ctx context.Context) (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	startOnce.Do(func() { started, startErr = start(ctx) })
	if startErr != nil {
		return "", startErr
	}
	return started.url, nil
}

func adminExec(ctx context.Context, base, sql string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }() // the statement's result is what counts
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// server is a PostgreSQL server this package started.
type server struct {
	dir  string
	url  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the server has exited, after waitErr is set
	// waitErr is how the server exited.
	waitErr error
}

// binDir finds PostgreSQL's server binaries: Debian keeps them out of PATH, under
// /usr/lib/postgresql/VERSION/bin.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va // newest first
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or PATH")
}

func start(ctx context.Context) (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	cred, err := credential(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), //nolint:gosec // PostgreSQL's own binary, found by binDir
		"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, lastLines(out))
	}
	s := &server{dir: dir, done: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// The server outlives the test that starts it: Main stops it.
	s.cmd = exec.CommandContext(context.WithoutCancel(ctx), filepath.Join(bin, "postgres"), //nolint:gosec // PostgreSQL's own binary, found by binDir
		"-D", data, "-k", dir,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=400", "-c", "shared_buffers=64MB")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig stops the server if the test binary dies without running Main's
	// cleanup (a panic, a -timeout). It is tied to the thread that started the
	// server, so that goroutine keeps its thread until the server exits.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	startErr := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := s.cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := <-startErr; err != nil {
		_ = logf.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	_ = logf.Close() // the child has its own descriptor
	s.url = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}).String()
	if err := s.wait(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// credential makes dir the server's and returns who to run it as: PostgreSQL will not
// run as root, so root runs it as postgres.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// wait waits until the server accepts connections.
func (s *server) wait(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %w: %s", s.waitErr, lastLines(log))
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		var conn *pgx.Conn
		conn, err = pgx.Connect(cctx, s.url)
		if err == nil {
			_ = conn.Close(cctx)
			cancel()
			return nil
		}
		cancel()
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("postgres did not accept connections in 30s: %w", err)
}

// stop shuts the server down (fast: connections are ended) and removes its directory.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.RemoveAll(s.dir)
}

func stop() {
	if started != nil {
		started.stop()
	}
}

func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}
