package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// Exit codes.
const (
	exitOK          = 0
	exitNotAccepted = 1 // some deliveries were not accepted
	exitUsage       = 2 // bad flags or payload
)

// usageError marks a problem with the flags or the payload. printed says the flag
// package has already shown it, with the usage.
type usageError struct {
	err     error
	printed bool
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errNotAccepted is returned after the report when some delivery was not accepted.
var errNotAccepted = errors.New("not every delivery was accepted")

func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if !ue.printed {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "loadgen: %v\n", err)
	return exitNotAccepted
}

// envSecret is where the secret comes from when -secret is empty: the variable
// `reviewer serve` reads its GitHub webhook secret from.
const envSecret = "REVIEWER_GITHUB_WEBHOOK_SECRET" //nolint:gosec // a variable name, not a credential

// defaultPayload is the recorded delivery, relative to the repository's root.
const defaultPayload = "cmd/reviewer/testdata/serve/pull_request.synchronize.json"

// config is what the flags ask for.
type config struct {
	url         string
	secret      string
	payload     string
	conns       int
	n           int
	duration    time.Duration
	rate        float64
	timeout     time.Duration
	json        bool
	targetShown string // the URL as printed: without user info
	target      *url.URL
	slow        slowConfig
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	payload, err := os.ReadFile(cfg.payload)
	if err != nil {
		hint := ""
		if cfg.payload == defaultPayload {
			hint = " (the default is relative to the repository's root: run loadgen there, or give -payload)"
		}
		return &usageError{err: fmt.Errorf("-payload: %w%s", err, hint)}
	}
	fmt.Fprintf(stderr, "loadgen: preparing %d signed deliveries from %s\n", cfg.n, cfg.payload)
	ds, err := prepare(payload, []byte(cfg.secret), cfg.n)
	if err != nil {
		return &usageError{err: fmt.Errorf("-payload %s: %w", cfg.payload, err)}
	}
	fmt.Fprintf(stderr, "loadgen: sending to %s\n", cfg.targetShown)
	var (
		slow     *slowStats
		stopSlow = func() {}
	)
	if cfg.slow.conns > 0 {
		sctx, cancel := context.WithCancel(ctx)
		ready := make(chan struct{})
		var wait func()
		slow, wait = slowBody(sctx, cfg.target, cfg.slow, ready)
		stopSlow = func() { cancel(); wait() }
		defer stopSlow()
		select {
		case <-ready:
		case <-ctx.Done():
		}
		fmt.Fprintf(stderr, "loadgen: %d slow unsigned deliveries of %d bytes open, %d still sending\n", cfg.slow.conns, cfg.slow.size, slow.open.Load())
	}
	cpu := cpuTime()
	res := newGenerator(cfg).run(ctx, ds)
	res.cpu = cpuTime() - cpu
	stopSlow()
	rep := summarize(cfg, res)
	if slow != nil {
		rep.Slow = slow.report()
	}
	if cfg.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %d deliveries", rep.Deliveries)
	}
	if rep.Deliveries == 0 || rep.Accepted < rep.Deliveries {
		return fmt.Errorf("%w: %d of %d accepted", errNotAccepted, rep.Accepted, rep.Deliveries)
	}
	return nil
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadgen [flags]\n\nSends signed GitHub pull_request deliveries to reviewer serve and measures the acknowledgements.")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080/webhooks/github", "the service's GitHub webhook endpoint")
	fs.StringVar(&cfg.secret, "secret", "", "the GitHub webhook secret (default $"+envSecret+")")
	fs.StringVar(&cfg.payload, "payload", defaultPayload, "a recorded pull_request delivery (JSON) to build the deliveries from")
	fs.IntVar(&cfg.conns, "c", 8, "concurrent keep-alive connections")
	fs.IntVar(&cfg.n, "n", 10000, "deliveries to prepare and at most send")
	fs.DurationVar(&cfg.duration, "d", 0, "stop sending after this long (0: when -n are sent)")
	fs.Float64Var(&cfg.rate, "rate", 0, "open loop: start this many deliveries per second (0: closed loop, as fast as answered)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "give up on one delivery after this long")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.IntVar(&cfg.slow.conns, "slow", 0, "meanwhile keep this many unsigned deliveries with slow bodies in flight (an attack)")
	fs.Int64Var(&cfg.slow.size, "slow-size", 1<<20, "the Content-Length of each slow delivery")
	fs.Int64Var(&cfg.slow.prefix, "slow-prefix", 0, "bytes of a slow body sent at once")
	fs.Int64Var(&cfg.slow.rate, "slow-rate", 1024, "bytes per second of a slow body after its prefix")
	fs.DurationVar(&cfg.slow.redial, "slow-redial", 100*time.Millisecond, "pause before a slow connection the service ended is opened again")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, &usageError{err: err, printed: true}
	}
	nSet := false
	fs.Visit(func(f *flag.Flag) { nSet = nSet || f.Name == "n" })

	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q: loadgen takes flags only", fs.Args()))
	}
	u, err := url.Parse(cfg.url)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("-url %q does not parse", cfg.url))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("-url %q: want http:// or https://", u.Redacted()))
	case u.Host == "":
		errs = append(errs, fmt.Errorf("-url %q has no host", u.Redacted()))
	default:
		cfg.targetShown = u.Redacted()
		cfg.target = u
	}
	if cfg.secret == "" {
		cfg.secret = getenv(envSecret)
	}
	if cfg.secret == "" {
		errs = append(errs, fmt.Errorf("no webhook secret: set -secret or $%s to the service's github.webhook_secret", envSecret))
	}
	if cfg.payload == "" {
		errs = append(errs, errors.New("-payload is empty"))
	}
	if cfg.conns < 1 {
		errs = append(errs, fmt.Errorf("-c %d: at least one connection is needed", cfg.conns))
	}
	if cfg.duration < 0 {
		errs = append(errs, fmt.Errorf("-d %s is negative", cfg.duration))
	}
	if cfg.rate < 0 || math.IsNaN(cfg.rate) || math.IsInf(cfg.rate, 0) {
		errs = append(errs, fmt.Errorf("-rate %v: want a positive number of deliveries per second, or 0 for a closed loop", cfg.rate))
	}
	if cfg.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %s: want a positive duration", cfg.timeout))
	}
	if cfg.slow.conns < 0 || cfg.slow.size < 0 || cfg.slow.prefix < 0 || cfg.slow.rate < 1 || cfg.slow.redial < 0 {
		errs = append(errs, errors.New("-slow, -slow-size, -slow-prefix and -slow-redial may not be negative, -slow-rate must be positive"))
	}
	if cfg.slow.conns > 0 && cfg.duration == 0 {
		errs = append(errs, errors.New("-slow needs -d: the slow connections are kept open for that long"))
	}
	if !nSet && cfg.duration > 0 && cfg.rate > 0 {
		cfg.n = int(math.Ceil(cfg.rate * cfg.duration.Seconds()))
	}
	if cfg.n < 1 {
		errs = append(errs, fmt.Errorf("-n %d: at least one delivery is needed", cfg.n))
	}
	// Bodies are held in memory; ten million of the default payload would be 280 GB.
	const maxN = 10_000_000
	if cfg.n > maxN {
		errs = append(errs, fmt.Errorf("-n %d: at most %d deliveries are prepared", cfg.n, maxN))
	}
	if err := errors.Join(errs...); err != nil {
		return config{}, &usageError{err: err}
	}
	return cfg, nil
}
