//go:build cgo

package treesitter

/*
#include <stdatomic.h>
#include <stdlib.h>

// From tree_sitter/api.h, which go-tree-sitter compiles in.
void ts_set_allocator(void *(*new_malloc)(size_t), void *(*new_calloc)(size_t, size_t),
	void *(*new_realloc)(void *, size_t), void (*new_free)(void *));

static void use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }

// The counting allocator, for the leak test: live is the number of blocks taken and not
// yet given back.
static atomic_long live;

static void *counting_malloc(size_t n) {
	void *p = malloc(n);
	if (p) atomic_fetch_add(&live, 1);
	return p;
}

static void *counting_calloc(size_t k, size_t n) {
	void *p = calloc(k, n);
	if (p) atomic_fetch_add(&live, 1);
	return p;
}

static void *counting_realloc(void *old, size_t n) {
	void *p = realloc(old, n);
	if (!old && p) atomic_fetch_add(&live, 1);
	return p;
}

static void counting_free(void *p) {
	if (p) atomic_fetch_sub(&live, 1);
	free(p);
}

static void use_counting_allocator(void) {
	atomic_store(&live, 0);
	ts_set_allocator(counting_malloc, counting_calloc, counting_realloc, counting_free);
}

static long live_blocks(void) { return atomic_load(&live); }
*/
import "C"

// libcAllocator points tree-sitter's allocations straight at libc. go-tree-sitter's init
// routes each of them through Go (C calls Go, which calls C.malloc): a cgo round trip per
// allocation, 40% of a parse's CPU time (BENCHMARKS.md). Both end in libc's heap, so memory
// taken under one and freed under the other is fine. It runs after go-tree-sitter's init,
// since this package imports that one.
var libcAllocator = func() bool {
	C.use_libc_allocator()
	return true
}()

// countAllocations makes tree-sitter count the blocks it takes and gives back, from zero,
// until the returned function puts libc's allocator back. Only for the leak test, which
// runs alone: blocks taken before the call and freed after it count below zero.
func countAllocations() (live func() int64, stop func()) {
	C.use_counting_allocator()
	return func() int64 { return int64(C.live_blocks()) }, func() { C.use_libc_allocator() }
}

// drainPools closes every idle parser and the cached tree, so that a count of live blocks
// shows only leaks.
func drainPools() {
	last.mu.Lock()
	if last.tree != nil {
		last.tree.Close()
		last.lang, last.src, last.tree = "", nil, nil
	}
	last.mu.Unlock()
	for _, pool := range pools {
		for {
			select {
			case p := <-pool:
				p.Close()
				continue
			default:
			}
			break
		}
	}
}
