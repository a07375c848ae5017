#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include "ring.h"

int ring_push(struct ring *r, int x);

#endif
