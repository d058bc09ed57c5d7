//go:build !unix

package main

// pin reports that pinning is not available here.
func pin(int, string) bool { return false }
