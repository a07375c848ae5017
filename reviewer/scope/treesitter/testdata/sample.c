/* queue.c: a ring buffer. */
#include <stdlib.h>
#define CAP 16
#include "queue.h"

struct ring {
	int items[CAP];
	int head;
};

/* ring_push adds x; it reports whether there was room. */
int ring_push(struct ring *r, int x)
{
	if (r->head >= CAP) {
		return 0;
	}
	r->items[r->head++] = x;
	return 1;
}

#ifdef DEBUG
static void dump(struct ring *r)
{
	(void)r;
}
#endif
