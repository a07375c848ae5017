package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxAnswer caps how much of an answer is read for its JSON: the service's are tens of
// bytes.
const maxAnswer = 64 << 10

// generator sends prepared deliveries and records what each one got.
type generator struct {
	cfg    config
	client *http.Client
}

func newGenerator(cfg config) *generator {
	tr := &http.Transport{
		// Loopback is the usual target: no proxy from the environment in between.
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          cfg.conns,
		MaxIdleConnsPerHost:   cfg.conns,
		MaxConnsPerHost:       cfg.conns,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ResponseHeaderTimeout: cfg.timeout,
	}
	return &generator{cfg: cfg, client: &http.Client{
		Transport: tr,
		Timeout:   cfg.timeout,
		// A redirect is an answer like any other: count it, do not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// sample is what one delivery got.
type sample struct {
	sent    bool
	status  int   // 0 when there was no response
	err     error // the transport error, if any
	queued  bool  // 202 with a new job stored
	latency time.Duration
	lag     time.Duration // open loop: how late the delivery started
}

// results is a run's samples, its length, and the CPU time loadgen spent on it.
type results struct {
	samples []sample
	elapsed time.Duration
	cpu     time.Duration
}

// run sends ds: closed-loop, or open-loop at the configured rate.
func (g *generator) run(ctx context.Context, ds []delivery) results {
	samples := make([]sample, len(ds))
	start := time.Now()
	var deadline time.Time
	if g.cfg.duration > 0 {
		deadline = start.Add(g.cfg.duration)
	}
	over := func(t time.Time) bool { return !deadline.IsZero() && !t.Before(deadline) }
	var wg sync.WaitGroup
	if g.cfg.rate > 0 {
		type due struct {
			i  int
			at time.Time
		}
		// Unbuffered: a delivery due while every connection is busy waits for one, and
		// its lag shows it.
		next := make(chan due)
		for range g.cfg.conns {
			wg.Go(func() {
				for d := range next {
					s := g.send(ctx, &ds[d.i])
					s.lag = time.Since(d.at) - s.latency
					samples[d.i] = s
				}
			})
		}
		interval := float64(time.Second) / g.cfg.rate
	dispatch:
		for i := range ds {
			at := start.Add(time.Duration(float64(i) * interval))
			if over(at) {
				break
			}
			if wait := time.Until(at); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					break dispatch
				}
			}
			select {
			case next <- due{i, at}:
			case <-ctx.Done():
				break dispatch
			}
		}
		close(next)
	} else {
		var next atomic.Int64
		for range g.cfg.conns {
			wg.Go(func() {
				for ctx.Err() == nil && !over(time.Now()) {
					i := int(next.Add(1) - 1)
					if i >= len(ds) {
						return
					}
					samples[i] = g.send(ctx, &ds[i])
				}
			})
		}
	}
	wg.Wait()
	return results{samples: samples, elapsed: time.Since(start)}
}

// send posts one delivery and times it from just before the request is written to after
// the whole response is read.
func (g *generator) send(ctx context.Context, d *delivery) sample {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.url, bytes.NewReader(d.body)) //nolint:gosec // the URL is the one the user asked to load
	if err != nil {
		return sample{sent: true, err: err}
	}
	req.Header = d.header
	start := time.Now()
	resp, err := g.client.Do(req) //nolint:gosec // the URL is the one the user asked to load
	if err != nil {
		return sample{sent: true, err: err, latency: time.Since(start)}
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close() // read to the end (or the cap): the connection is reused either way
	s := sample{sent: true, status: resp.StatusCode, err: err, latency: time.Since(start)}
	if err == nil && resp.StatusCode == http.StatusAccepted {
		var a struct {
			Queued    bool `json:"queued"`
			Duplicate bool `json:"duplicate"`
			Deduped   bool `json:"deduped"`
		}
		s.queued = json.Unmarshal(answer, &a) == nil && a.Queued && !a.Duplicate && !a.Deduped
	}
	return s
}
