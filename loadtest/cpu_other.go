//go:build !unix

package main

import "time"

// processCPU reports that the CPU time of the process is unknown here.
func processCPU() time.Duration { return -1 }

// pin reports that pinning is not available here.
func pin(int, string) bool { return false }
