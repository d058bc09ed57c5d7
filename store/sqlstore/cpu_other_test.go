//go:build !unix

package sqlstore_test

import "time"

// processCPU reports that the CPU time of the process is unknown here.
func processCPU() time.Duration { return -1 }
