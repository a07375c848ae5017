package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// slowConfig is the -slow attack: connections that send an unsigned delivery whose body
// arrives slowly, as an attacker who does not know the secret would, to make the service
// hold memory for bodies it can not yet verify.
type slowConfig struct {
	conns  int           // connections kept open at once
	size   int64         // the Content-Length each declares
	prefix int64         // bytes of the body sent at once, after the headers
	rate   int64         // bytes per second sent after the prefix, per connection
	redial time.Duration // pause before a connection the service closed is opened again
}

// slowStats is what the slow connections got.
type slowStats struct {
	// Opened counts the connections that sent their headers; Answered how many the
	// service answered, by status.
	opened   atomic.Int64
	mu       sync.Mutex
	answered map[string]int
	// open is how many connections are sending their body now.
	open atomic.Int64
}

// slowBody keeps cfg.conns unsigned slow deliveries in flight until ctx is done: a
// connection the service answers or closes is opened again after cfg.redial. ready is
// closed once each connection has sent its headers once.
func slowBody(ctx context.Context, target *url.URL, cfg slowConfig, ready chan<- struct{}) (_ *slowStats, wait func()) {
	st := &slowStats{answered: map[string]int{}}
	var first sync.WaitGroup
	first.Add(cfg.conns)
	go func() { first.Wait(); close(ready) }()
	var wg sync.WaitGroup
	for range cfg.conns {
		wg.Go(func() {
			once := sync.OnceFunc(first.Done)
			defer once()
			for ctx.Err() == nil {
				kind := st.one(ctx, target, cfg, once)
				st.mu.Lock()
				st.answered[kind]++
				st.mu.Unlock()
				t := time.NewTimer(cfg.redial)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
		})
	}
	return st, wg.Wait
}

// one sends one slow delivery and says how it ended: the status the service answered
// with, or what became of the connection.
func (st *slowStats) one(ctx context.Context, target *url.URL, cfg slowConfig, sent func()) string {
	c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", target.Host)
	if err != nil {
		sent()
		return "dial error"
	}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer func() { _ = c.Close() }() // a close error after the run says nothing new
	// A signature of the right form that is not the body's: the service has to read the
	// whole body to find out.
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: sha256=%s\r\n"+
		"Content-Length: %d\r\n\r\n", target.RequestURI(), target.Host, uuid(), strings.Repeat("0", 64), cfg.size)
	if _, err := c.Write([]byte(head)); err != nil {
		sent()
		return "write error"
	}
	st.opened.Add(1)
	st.open.Add(1)
	defer st.open.Add(-1)
	sent()

	// Read the answer while the body is being sent: the service may answer (and close)
	// before the body is complete.
	answer := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answer <- "closed"
			return
		}
		_ = resp.Body.Close()
		answer <- fmt.Sprint(resp.StatusCode)
	}()
	chunk := make([]byte, 1024)
	for i := range chunk {
		chunk[i] = ' '
	}
	left := cfg.size
	write := func(n int64) bool {
		for n > 0 {
			k := min(n, int64(len(chunk)))
			if _, err := c.Write(chunk[:k]); err != nil {
				return false
			}
			n -= k
			left -= k
		}
		return true
	}
	if !write(min(cfg.prefix, left)) {
		return <-answer
	}
	// Then cfg.rate bytes a second, ten times a second.
	step := max(cfg.rate/10, 1)
	tick := time.NewTicker(time.Second * time.Duration(step) / time.Duration(max(cfg.rate, 1)))
	defer tick.Stop()
	for left > 0 {
		select {
		case a := <-answer:
			return a
		case <-ctx.Done():
			return "cancelled"
		case <-tick.C:
			if !write(min(step, left)) {
				return <-answer
			}
		}
	}
	return <-answer
}

func (st *slowStats) report() *slowReport {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := &slowReport{Opened: int(st.opened.Load()), Answered: map[string]int{}}
	for k, v := range st.answered {
		r.Answered[k] = v
	}
	return r
}
