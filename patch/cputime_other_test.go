//go:build !linux

package patch_test

import "time"

// threadTime returns the wall clock where the thread's CPU time is not
// available.
func threadTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
