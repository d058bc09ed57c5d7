package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary serve as a server process of the harness,
// which starts its own binary again for each server.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec))
	}
	os.Exit(m.Run())
}

// row returns the cells of the table row of server and scenario.
func row(t *testing.T, report, server, scenario string) []string {
	t.Helper()
	for _, line := range strings.Split(report, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) == 13 && cells[0] == server && cells[1] == scenario {
			return cells
		}
	}
	require.Failf(t, "no row", "%s, %s in\n%s", server, scenario, report)
	return nil
}

// TestQuick runs the harness end to end in -quick mode: every server in a
// process of its own, every scenario against the pre-encoded bare handler,
// the memory store and SQLite (and PostgreSQL when SCIM_POSTGRES_DSN is
// set), each row with its ratio to the yardstick and the server's CPU time
// and allocations per request.
func TestQuick(t *testing.T) {
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tablesBefore := loadtestTables(t)
	require.NoError(t, run(ctx, []string{"-quick"}, &out, &log), log.String())
	assert.Equal(t, tablesBefore, loadtestTables(t), "the PostgreSQL server process drops its tables")
	report := out.String()
	assert.Contains(t, report, "`go run ./loadtest -quick`")
	assert.NotContains(t, report, "errors in", "a scenario had failed requests")

	servers := []string{"bare, pre-encoded", "memory, 100 users", "memory, 300 users", "SQLite, 100 users"}
	rawServers := []string{"SQLite raw query, 100 users"}
	if os.Getenv(postgresEnv) != "" {
		servers = append(servers, "PostgreSQL, 100 users")
		rawServers = append(rawServers, "PostgreSQL raw query, 100 users")
	}
	for _, server := range servers {
		for _, sc := range scenarioNames {
			label := sc
			if sc == scBigGroup {
				label = "member add+remove, 300"
			}
			cells := row(t, report, server, label)
			assert.NotEmpty(t, cells[3], "× bare of %s, %s", server, sc)
			allocs, err := strconv.ParseFloat(cells[7], 64)
			require.NoError(t, err)
			assert.Positive(t, allocs, "allocations of %s, %s", server, sc)
			if runtime.GOOS == "linux" {
				cpu, err := strconv.ParseFloat(cells[5], 64)
				require.NoError(t, err, cells)
				assert.Positive(t, cpu, "CPU of %s, %s", server, sc)
			}
			if server == "bare, pre-encoded" {
				assert.Equal(t, "1.00", cells[3])
			}
		}
	}
	for _, server := range rawServers {
		for _, sc := range []string{scGet, scUserName, scExternalID} {
			row(t, report, server, sc)
			assert.NotEmpty(t, row(t, report, strings.Replace(server, " raw query", "", 1), sc)[4], "× raw of %s", sc)
		}
	}
	row(t, report, "bare, json.Encoder", scGet)
	for _, want := range []string{"GET /Users/{id} >= 0.75x bare", "filter userName eq >= 0.70x bare",
		"member add+remove, 300 >= 0.50x bare", "SQLite userName eq <= 1.5x the raw indexed query",
		"userName eq at 300 users >= 0.9x at 100", "<= 2 KB"} {
		assert.Contains(t, report, want)
	}
}

// TestRun runs the whole harness with tiny sizes and durations and checks
// that it prints the table, the memory figures and a verdict per target,
// and that no request failed.
func TestRun(t *testing.T) {
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, []string{"-users", "100,1000", "-sql-users", "100", "-big-group", "300",
		"-duration", "20ms", "-rounds", "1", "-c", "2", "-postgres", ""}, &out, &log)
	require.NoError(t, err, log.String())
	report := out.String()
	for _, want := range []string{
		"bare, pre-encoded", "bare, json.Encoder", "memory, 100 users", "memory, 1,000 users", "SQLite, 100 users",
		scGet, scUserName, scExternalID, scCreate, scEntra, scRFC, "member add+remove, 100", "member add+remove, 300", scList,
		"HeapInuse", "GET /Users/{id} >= 0.75x bare", "userName eq at 1,000 users >= 0.9x at 100",
		"member add at 300 members <= 1.5x at 100", "<= 2 KB",
	} {
		assert.Contains(t, report, want)
	}
	assert.NotContains(t, report, "errors in", "a scenario had failed requests")
	assert.NotContains(t, report, "| PostgreSQL", "-postgres '' measures no PostgreSQL store")
	verdicts := strings.Count(report, "MET") + strings.Count(report, "MISSED")
	assert.GreaterOrEqual(t, verdicts, 14, report)
}

// TestFlags refuses nonsense and answers -h without running anything.
func TestFlags(t *testing.T) {
	var out, log bytes.Buffer
	for _, args := range [][]string{{"-users", "0"}, {"-users", "x"}, {"-big-group", "10"}, {"-c", "0"},
		{"-duration", "0s"}, {"-server-procs", "0"}, {"extra"}} {
		assert.Error(t, run(context.Background(), args, &out, &log), args)
	}
	require.Error(t, run(context.Background(), []string{"-h"}, &out, &log))
	assert.Contains(t, log.String(), "usage: go run ./loadtest")
	assert.Empty(t, out.String())
}

// TestQuickDefaults: -quick lowers the sizes and durations it names, and
// a flag given beside it wins.
func TestQuickDefaults(t *testing.T) {
	var log bytes.Buffer
	cfg, err := parseFlags([]string{"-quick", "-rounds", "2", "-postgres", ""}, &log)
	require.NoError(t, err)
	assert.Equal(t, []int{100, 300}, cfg.users)
	assert.Equal(t, 100, cfg.sqlUsers)
	assert.Equal(t, 300, cfg.bigGroup)
	assert.Equal(t, 30*time.Millisecond, cfg.duration)
	assert.Equal(t, 2, cfg.rounds)
	assert.Empty(t, cfg.postgres)
}

// loadtestTables returns the harness's tables in the PostgreSQL database
// of SCIM_POSTGRES_DSN, or nil when it is not set.
func loadtestTables(t *testing.T) []string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		return nil
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'loadtest\_%' ORDER BY tablename`)
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		names = append(names, name)
	}
	require.NoError(t, rows.Err())
	return names
}

// TestRateRatioPairsRounds: a ratio is the median of each round's ratio,
// not the ratio of the medians: a round slowed by a busy machine slows
// both of its sides.
func TestRateRatioPairsRounds(t *testing.T) {
	ours := &scenarioRun{rates: []float64{10, 20, 30}}
	bare := &scenarioRun{rates: []float64{20, 20, 60}}
	assert.InDelta(t, 0.5, rateRatio(ours, bare), 1e-9) // the ratio of the medians would be 20/20
	assert.Zero(t, rateRatio(ours, &scenarioRun{rates: []float64{1, 2}}))
	assert.Zero(t, rateRatio(ours, &scenarioRun{rates: []float64{1, 0, 2}}))
}

// TestRunWritesProfiles: with -cpuprofile, every server process writes a
// CPU profile per scenario and round that go tool pprof can read.
func TestRunWritesProfiles(t *testing.T) {
	dir := t.TempDir()
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, []string{"-users", "100", "-sqlite=false", "-postgres", "", "-big-group", "300",
		"-duration", "20ms", "-rounds", "2", "-c", "2", "-cpuprofile", dir}, &out, &log)
	require.NoError(t, err, log.String())
	for _, name := range []string{"bare-pre-encoded-get-users-id-1.pprof", "memory-100-users-patch-replace-entra-2.pprof"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(data, []byte{0x1f, 0x8b}), "%s is a gzipped profile", name)
	}
}
