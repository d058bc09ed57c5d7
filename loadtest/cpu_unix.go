//go:build unix

package main

import (
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pin sets the CPU affinity of every thread of process pid to cpus (a
// taskset list such as "0" or "1-3"). It reports false when it cannot:
// not Linux, no taskset, or taskset failed.
func pin(pid int, cpus string) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	path, err := exec.LookPath("taskset")
	if err != nil {
		return false
	}
	return exec.Command(path, "-a", "-p", "-c", cpus, strconv.Itoa(pid)).Run() == nil
}
