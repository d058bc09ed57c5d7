//go:build unix

package main

import (
	"os/exec"
	"runtime"
	"strconv"
)

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
