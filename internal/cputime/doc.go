// Package cputime reads the CPU time of the running process, for the
// measurements that report CPU per request beside wall time.
package cputime
