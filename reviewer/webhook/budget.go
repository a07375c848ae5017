package webhook

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// errEvicted says a body's read was cut off to make room for a newer one.
var errEvicted = errors.New("read cut off to make room for another delivery")

// budget bounds what request bodies hold before they can be verified: how many are read
// at once (readers) and how many bytes their buffers hold (bytes). Every buffer is charged
// before it is allocated, so the bytes are a bound on memory an attacker's Content-Length
// can not move.
//
// When a reader or bytes are short, a reader that has been reading for at least grace is
// cut off (evicted): the one holding most, then the oldest. Real deliveries send their
// body at once, while a body that trickles or stalls holds on; so a flood of slow bodies
// is what gives way to a new delivery, not the other way round. Only when every reader is
// younger than grace does a new one wait, for at most its context.
type budget struct {
	maxReaders int
	maxBytes   int64
	grace      time.Duration

	mu      sync.Mutex
	readers map[*reading]struct{}
	queue   list.List // of *reading waiting to become readers, in order
	bytes   int64
	// changed is closed, and replaced, whenever readers or bytes are given back.
	changed chan struct{}
	// observe, when set (by tests), sees the state after every change, under mu.
	observe func(readers, waiting int, bytes int64)
}

// reading is one body being read: its share of the budget.
type reading struct {
	start   time.Time // when it became a reader
	charged int64
	reader  bool // holds one of maxReaders, and may be evicted
	evicted bool
	// queued is rd's place in the line to become a reader; turn is closed when it is
	// first.
	queued *list.Element
	turn   chan struct{}
	// cut stops the read of an evicted body. It must not block.
	cut func()
}

func newBudget(maxReaders int, maxBytes int64, grace time.Duration) *budget {
	return &budget{
		maxReaders: maxReaders,
		maxBytes:   maxBytes,
		grace:      grace,
		readers:    make(map[*reading]struct{}),
		changed:    make(chan struct{}),
	}
}

// take charges n more bytes to rd, and when reader is set makes rd one of the readers.
// It evicts readers past grace (see victim) until both fit; otherwise it waits for what
// others give back until ctx is done. Those waiting to become readers take turns, first
// come first served, so a delivery waits for the slow bodies that came before it, not for
// all that come after. It returns errEvicted when rd itself was evicted meanwhile.
func (b *budget) take(ctx context.Context, rd *reading, reader bool, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if rd.evicted {
			return errEvicted
		}
		if reader && b.queue.Len() > 0 && (rd.queued == nil || b.queue.Front() != rd.queued) {
			b.enqueue(rd)
			turn := rd.turn
			b.mu.Unlock()
			var err error
			select {
			case <-turn:
			case <-ctx.Done():
				err = ctx.Err()
			}
			b.mu.Lock()
			if err != nil {
				b.dequeue(rd)
				return err
			}
			continue
		}
		if b.bytes+n <= b.maxBytes && (!reader || len(b.readers) < b.maxReaders) {
			b.bytes += n
			rd.charged += n
			if reader {
				// Its grace runs from now: the time it waited in line was not its
				// sender's doing.
				rd.start = time.Now()
				rd.reader = true
				b.readers[rd] = struct{}{}
				b.dequeue(rd)
			}
			b.note()
			return nil
		}
		// For bytes, only a reader holding more than rd would helps, and is evicted: a
		// body can push out a larger one, never a smaller.
		var more int64 = -1
		if b.bytes+n > b.maxBytes {
			more = rd.charged + n
		}
		now := time.Now()
		victim, next := b.victim(rd, now, more)
		if victim != nil {
			b.evict(victim)
			continue
		}
		if reader {
			b.enqueue(rd) // at the front: those who come later wait behind
		}
		changed := b.changed
		wait := time.Hour // nothing to evict: only what is given back helps
		if next != nil {
			wait = next.start.Add(b.grace).Sub(now)
		}
		due := time.NewTimer(wait)
		b.mu.Unlock()
		var err error
		select {
		case <-changed:
		case <-due.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
		due.Stop()
		b.mu.Lock()
		if err != nil {
			b.dequeue(rd)
			return err
		}
	}
}

// enqueue puts rd in the line of those waiting to become readers, if it is not there yet.
func (b *budget) enqueue(rd *reading) {
	if rd.queued == nil {
		rd.queued = b.queue.PushBack(rd)
		rd.turn = make(chan struct{})
		b.note()
	}
}

// dequeue takes rd out of the line, if it is there, and tells the next that it is its
// turn.
func (b *budget) dequeue(rd *reading) {
	if rd.queued == nil {
		return
	}
	first := b.queue.Front() == rd.queued
	b.queue.Remove(rd.queued)
	rd.queued = nil
	if first && b.queue.Len() > 0 {
		close(b.queue.Front().Value.(*reading).turn)
	}
}

// give hands n of rd's bytes back.
func (b *budget) give(rd *reading, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, rd.charged)
	rd.charged -= n
	b.bytes -= n
	b.wake()
}

// leave ends rd's read: it is no longer a reader and can no longer be evicted. It keeps
// its bytes. It reports whether rd was evicted.
func (b *budget) leave(rd *reading) (evicted bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rd.reader {
		rd.reader = false
		delete(b.readers, rd)
		b.wake()
	}
	return rd.evicted
}

// done gives back all that rd holds.
func (b *budget) done(rd *reading) {
	b.leave(rd)
	b.give(rd, rd.charged)
}

// victim is the reader, other than rd, to evict: of those that have been reading for
// grace or longer, hold more than more bytes and are not waiting for the budget, the one
// holding the most, and of those the oldest. A body that stalls after sending much goes
// first. When none is evictable yet, next is the one that will be first.
func (b *budget) victim(rd *reading, now time.Time, more int64) (victim, next *reading) {
	for r := range b.readers {
		if r == rd || r.charged <= more {
			continue
		}
		if now.Sub(r.start) < b.grace {
			if next == nil || r.start.Before(next.start) {
				next = r
			}
			continue
		}
		if victim == nil || r.charged > victim.charged || r.charged == victim.charged && r.start.Before(victim.start) {
			victim = r
		}
	}
	return victim, next
}

// evict cuts r off and takes back what it holds at once: its buffer is garbage as soon
// as its read returns.
func (b *budget) evict(r *reading) {
	r.evicted = true
	r.reader = false
	delete(b.readers, r)
	b.bytes -= r.charged
	r.charged = 0
	r.cut()
	b.wake()
}

// wake tells the waiters that something was given back. Called with mu held.
func (b *budget) wake() {
	close(b.changed)
	b.changed = make(chan struct{})
	b.note()
}

func (b *budget) note() {
	if b.observe != nil {
		b.observe(len(b.readers), b.queue.Len(), b.bytes)
	}
}
