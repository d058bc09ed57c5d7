package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the whole harness with tiny sizes and durations and checks
// that it prints the table, the memory figures and a verdict per target,
// and that no request failed.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and sends requests for a second or two")
	}
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := run(ctx, []string{"-users", "100,1000", "-sql-users", "100", "-big-group", "300",
		"-duration", "20ms", "-rounds", "1", "-c", "2", "-postgres", ""}, &out, &log)
	require.NoError(t, err, log.String())
	report := out.String()
	for _, want := range []string{
		"bare net/http", "memory, 100 users", "memory, 1,000 users", "SQLite, 100 users",
		scGet, scFilter, scCreate, scActive, "PATCH member, group of 100", "PATCH member, group of 300", scList,
		"HeapInuse", "GET by id >= 0.8x bare handler", "userName eq at 1,000 users >= 0.9x at 100",
		"member add at 300 members <= 1.5x at 100", "<= 2 KB",
	} {
		assert.Contains(t, report, want)
	}
	assert.NotContains(t, report, "errors in", "a scenario had failed requests")
	verdicts := strings.Count(report, "MET") + strings.Count(report, "MISSED")
	assert.GreaterOrEqual(t, verdicts, 6, report)
}

// TestFlags refuses nonsense and answers -h without running anything.
func TestFlags(t *testing.T) {
	var out, log bytes.Buffer
	for _, args := range [][]string{{"-users", "0"}, {"-users", "x"}, {"-big-group", "10"}, {"-c", "0"}, {"-duration", "0s"}, {"extra"}} {
		assert.Error(t, run(context.Background(), args, &out, &log), args)
	}
	require.Error(t, run(context.Background(), []string{"-h"}, &out, &log))
	assert.Contains(t, log.String(), "usage: go run ./loadtest")
	assert.Empty(t, out.String())
}
