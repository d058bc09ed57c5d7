//go:build !unix

package cputime

import "time"

// Process reports that the CPU time of the process is unknown here: -1.
func Process() time.Duration { return -1 }
