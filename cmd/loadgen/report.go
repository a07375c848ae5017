package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is what a run measured. Its JSON is the -json output.
type report struct {
	URL         string  `json:"url"`
	Connections int     `json:"connections"`
	TargetRate  float64 `json:"target_rate,omitempty"` // open loop only
	// Prepared is how many deliveries were built; Deliveries how many were sent.
	Prepared   int `json:"prepared"`
	Deliveries int `json:"deliveries"`
	// Accepted were answered 202, Queued of them stored a new job.
	Accepted int `json:"accepted"`
	Queued   int `json:"queued"`
	// Errors counts the deliveries not accepted, by status code ("503") or by transport
	// failure ("timeout", "connection").
	Errors     map[string]int `json:"errors"`
	FirstError string         `json:"first_error,omitempty"`

	ElapsedSeconds    float64 `json:"elapsed_seconds"`
	AcceptedPerSecond float64 `json:"accepted_per_second"`
	// Latency is of the accepted deliveries, in milliseconds.
	Latency latencies `json:"latency_ms"`
	// Lag is how late the deliveries started against the open loop's schedule.
	Lag *latencies `json:"lag_ms,omitempty"`
	// CPUSeconds is the CPU time loadgen itself used while sending: on a small machine
	// it is taken from the service.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Slow is what the -slow connections got.
	Slow *slowReport `json:"slow,omitempty"`
}

// slowReport is the outcome of the -slow attack: how many unsigned slow deliveries were
// opened, and how each ended (the service's status, or "closed" without an answer).
type slowReport struct {
	Opened   int            `json:"opened"`
	Answered map[string]int `json:"answered"`
}

// latencies are the nearest-rank percentiles of a set of durations, in milliseconds.
type latencies struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func summarize(cfg config, res results) report {
	rep := report{
		URL:            cfg.targetShown,
		Connections:    cfg.conns,
		TargetRate:     cfg.rate,
		Prepared:       len(res.samples),
		Errors:         map[string]int{},
		ElapsedSeconds: res.elapsed.Seconds(),
		CPUSeconds:     res.cpu.Seconds(),
	}
	var lat, lag []time.Duration
	for _, s := range res.samples {
		if !s.sent {
			continue
		}
		rep.Deliveries++
		if cfg.rate > 0 {
			lag = append(lag, s.lag)
		}
		var kind string
		switch {
		case s.err != nil:
			kind = errorKind(s.err)
			if rep.FirstError == "" {
				rep.FirstError = s.err.Error()
			}
		case s.status != http.StatusAccepted:
			kind = strconv.Itoa(s.status)
		default:
			rep.Accepted++
			if s.queued {
				rep.Queued++
			}
			lat = append(lat, s.latency)
			continue
		}
		rep.Errors[kind]++
	}
	if res.elapsed > 0 {
		rep.AcceptedPerSecond = float64(rep.Accepted) / res.elapsed.Seconds()
	}
	rep.Latency = percentiles(lat)
	if cfg.rate > 0 {
		l := percentiles(lag)
		rep.Lag = &l
	}
	return rep
}

// errorKind names a transport failure for the error counts.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "connection"
}

func percentiles(ds []time.Duration) latencies {
	slices.Sort(ds)
	return latencies{
		P50: ms(percentile(ds, 50)),
		P90: ms(percentile(ds, 90)),
		P99: ms(percentile(ds, 99)),
		Max: ms(percentile(ds, 100)),
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted, by the nearest-rank
// method: the smallest value that at least p% of the values do not exceed. It is zero
// for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) error {
	var b strings.Builder
	conns := fmt.Sprintf("%d connections", r.Connections)
	if r.Connections == 1 {
		conns = "1 connection"
	}
	load := "closed loop, " + conns
	if r.TargetRate > 0 {
		load = fmt.Sprintf("open loop at %g/s, at most %s", r.TargetRate, conns)
	}
	fmt.Fprintf(&b, "url          %s\n", r.URL)
	fmt.Fprintf(&b, "load         %s\n", load)
	fmt.Fprintf(&b, "deliveries   %d of %d prepared\n", r.Deliveries, r.Prepared)
	fmt.Fprintf(&b, "accepted     %d (202), %d of them new jobs\n", r.Accepted, r.Queued)
	fmt.Fprintf(&b, "errors       %s\n", r.errorsText())
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error  %s\n", r.FirstError)
	}
	fmt.Fprintf(&b, "elapsed      %.2fs\n", r.ElapsedSeconds)
	fmt.Fprintf(&b, "accepted/s   %.1f\n", r.AcceptedPerSecond)
	fmt.Fprintf(&b, "latency      %s\n", r.Latency)
	if r.Lag != nil {
		fmt.Fprintf(&b, "start lag    %s\n", *r.Lag)
	}
	if r.Slow != nil {
		fmt.Fprintf(&b, "slow bodies  %d opened; ended: %s\n", r.Slow.Opened, countsText(r.Slow.Answered))
	}
	if r.Deliveries > 0 {
		fmt.Fprintf(&b, "loadgen cpu  %.2fs (%.3f ms/delivery)\n", r.CPUSeconds, 1000*r.CPUSeconds/float64(r.Deliveries))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (l latencies) String() string {
	return fmt.Sprintf("p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms", l.P50, l.P90, l.P99, l.Max)
}

func (r *report) errorsText() string { return countsText(r.Errors) }

func countsText(counts map[string]int) string {
	if len(counts) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}
