//go:build !unix

package main

import "time"

// cpuTime is unknown here: the report's CPU time is zero.
func cpuTime() time.Duration { return 0 }
