// Command loadtest measures the SCIM server over HTTP on loopback, side by
// side with a bare net/http handler that writes pre-encoded bytes from a
// map, so that its results are ratios measured in one run on one machine
// rather than absolute times.
//
// Run it from the repository root:
//
//	go run ./loadtest                                    # memory and SQLite
//	go run ./loadtest -quick                             # seconds: tiny sizes, one short round
//	go run ./loadtest -users 1000,100000 -big-group 10000 -duration 1s -rounds 3
//	go run ./loadtest -postgres postgres://127.0.0.1/db  # PostgreSQL too
//	go run ./loadtest -h                                 # every flag
//
// The harness starts every server in a process of its own (its own binary,
// started again in server mode), each listening on a 127.0.0.1 ephemeral
// port:
//
//   - the yardstick, "bare, pre-encoded": a net/http handler that writes,
//     for every read scenario, bytes encoded once in advance and held in a
//     map by id, userName or externalId, and does the least a JSON endpoint
//     does for the writes (decode the body; POST encodes the new user once);
//   - "bare, json.Encoder": the earlier yardstick, which runs json.Encoder
//     over a map document for each GET by id;
//   - a scim.Server over the memory store for each size given with -users;
//   - a scim.Server over SQLite and, when a DSN is given with -postgres (or
//     in the SCIM_POSTGRES_DSN environment variable), over PostgreSQL, each
//     with a raw-query handler on a second listener of the same process:
//     one indexed SELECT of the stored JSON on the same database and
//     connection pool, written as read.
//
// Each process loads the users, a group of 100 members and a group of
// -big-group members; the bare handlers hold what a scim.Server over the
// same data answers, so that every server writes the same JSON. When the
// machine has two or more CPUs and taskset is installed, every server
// process is pinned to CPU 0 and the harness, the load generator, to the
// others; servers run with GOMAXPROCS -server-procs.
//
// Every scenario then runs with -c client goroutines for -duration,
// -rounds times, interleaved: scenario by scenario, every server in turn,
// round after round, so that a slow moment of a shared machine hits them
// alike. Around each run the harness reads the server process's CPU time
// (getrusage) and heap allocations (runtime.MemStats) from a stats
// endpoint on a listener of its own, and divides their growth by the
// requests served. It prints a markdown table: requests per second (the
// median of the rounds), the rate as a ratio to the pre-encoded bare
// handler's in the same scenario (and, for SQL stores, to the raw query's),
// CPU time and allocations per request, p50 and p99; then the resident
// memory per user of the memory store and whether each target is met.
//
// Every scenario is bounded by -duration and -max-requests; the whole run
// by -timeout. Nothing leaves the loopback interface; the SQLite file lives
// in a temporary directory that is removed, and the PostgreSQL tables get a
// random prefix and are dropped when their server process ends.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/schema"
)

// postgresEnv names the environment variable read when -postgres is not
// given.
const postgresEnv = "SCIM_POSTGRES_DSN"

// token is the bearer token the servers accept and the clients send.
const token = "loadtest-token"

// smallGroup is the size of the small group of the member scenarios.
const smallGroup = 100

// maxSamples bounds the latencies one client goroutine keeps per round.
const maxSamples = 100000

func main() {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec))
	}
	ctx := context.Background()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	users       []int
	sqlUsers    int
	bigGroup    int
	concurrency int
	duration    time.Duration
	rounds      int
	maxRequests int64
	timeout     time.Duration
	sqlite      bool
	postgres    string
	quick       bool
	pin         bool
	serverProcs int
	cpuProfile  string
	args        []string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./loadtest [flags]\n\n"+
			"Measures the SCIM server over the memory store, SQLite and (with -postgres)\n"+
			"PostgreSQL beside a bare net/http handler that writes pre-encoded bytes, each\n"+
			"server in a process of its own on 127.0.0.1, and prints a markdown table of\n"+
			"requests/s, ratios to the bare handler, CPU and allocations per request,\n"+
			"p50 and p99, and the targets met or missed.\n\nflags:\n")
		fs.PrintDefaults()
	}
	users := fs.String("users", "1000,100000", "comma-separated numbers of users; one memory store is loaded per number (the bare handlers hold the first)")
	c := &config{args: args}
	fs.IntVar(&c.sqlUsers, "sql-users", 10000, "number of users loaded into each SQL store")
	fs.IntVar(&c.bigGroup, "big-group", 10000, "members of the large group (the small group has 100)")
	fs.IntVar(&c.concurrency, "c", 32, "concurrent client goroutines (and connections) per scenario")
	fs.DurationVar(&c.duration, "duration", 2*time.Second, "duration of one scenario in one round")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds: every scenario runs once per round, and the median rate is reported")
	fs.Int64Var(&c.maxRequests, "max-requests", 1000000, "maximum requests of one scenario in one round")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Minute, "bound on the whole run, loading included")
	fs.BoolVar(&c.sqlite, "sqlite", true, "measure the SQLite store")
	fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL DSN to measure the PostgreSQL store too; when not given, $"+postgresEnv+" is used; -postgres '' skips it")
	fs.BoolVar(&c.quick, "quick", false, "a run of seconds, for tests: -users 100,300 -sql-users 100 -big-group 300 -c 2 -duration 30ms -rounds 1, unless given")
	fs.BoolVar(&c.pin, "pin", true, "pin the server processes to CPU 0 and the harness to the other CPUs (Linux with taskset, 2 or more CPUs)")
	fs.IntVar(&c.serverProcs, "server-procs", 1, "GOMAXPROCS of each server process")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of every server process for every scenario and round into this directory, as SERVER-SCENARIO-ROUND.pprof, for go tool pprof (which merges the rounds of one scenario given together); profiling slows the servers a little, so report the figures of a run without it")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["postgres"] {
		c.postgres = os.Getenv(postgresEnv)
	}
	if c.quick {
		for name, value := range map[string]string{"users": "100,300", "sql-users": "100", "big-group": "300",
			"c": "2", "duration": "30ms", "rounds": "1"} {
			if !given[name] {
				_ = fs.Set(name, value)
			}
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.cpuProfile != "" {
		dir, err := filepath.Abs(c.cpuProfile)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
		c.cpuProfile = dir // the server processes may run elsewhere
	}
	for _, f := range strings.Split(*users, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-users: %q is not a positive number", f)
		}
		c.users = append(c.users, n)
	}
	switch {
	case c.sqlUsers < 1:
		return nil, errors.New("-sql-users must be positive")
	case c.bigGroup < smallGroup:
		return nil, fmt.Errorf("-big-group must be at least %d", smallGroup)
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return nil, fmt.Errorf("-c must be between 1 and %d", maxConcurrency)
	case c.duration <= 0 || c.rounds < 1 || c.maxRequests < 1 || c.timeout <= 0:
		return nil, errors.New("-duration, -rounds, -max-requests and -timeout must be positive")
	case c.serverProcs < 1:
		return nil, errors.New("-server-procs must be positive")
	}
	return c, nil
}

// target is one HTTP server under test and what was loaded into it.
type target struct {
	kind    string // kindBare, kindBareJSON, kindMemory, kindSQLite, kindPostgres
	raw     bool   // the raw-query handler beside a SQL store
	users   int
	base    string
	userIDs []string
	// candidates are users in no group, one per client goroutine.
	candidates []string
	smallID    string
	bigID      string
	proc       *process
}

func (t *target) label() string {
	switch {
	case t.kind == kindBare:
		return "bare, pre-encoded"
	case t.kind == kindBareJSON:
		return "bare, json.Encoder"
	case t.raw:
		return fmt.Sprintf("%s raw query, %s users", t.kind, count(t.users))
	}
	return fmt.Sprintf("%s, %s users", t.kind, count(t.users))
}

// run is the whole program: flags, servers, load, scenarios, report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}

	// The server processes load at the same time; each reports when it
	// is listening.
	specs := []childSpec{
		{Kind: kindBare, Users: cfg.users[0]},
		{Kind: kindBareJSON, Users: cfg.users[0]},
	}
	for _, n := range cfg.users {
		specs = append(specs, childSpec{Kind: kindMemory, Users: n})
	}
	if cfg.sqlite {
		specs = append(specs, childSpec{Kind: kindSQLite, Users: cfg.sqlUsers})
	}
	if cfg.postgres != "" {
		specs = append(specs, childSpec{Kind: kindPostgres, Users: cfg.sqlUsers, DSN: cfg.postgres})
	}
	procs := make([]*process, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i := range specs {
		specs[i].BigGroup, specs[i].Procs = cfg.bigGroup, cfg.serverProcs
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i], errs[i] = startProcess(ctx, specs[i], stderr)
		}()
	}
	wg.Wait()
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.stop()
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	var targets []*target
	var memStats []memoryUse
	for i, p := range procs {
		t := &target{kind: p.kind, users: specs[i].Users, base: p.hs.Base, userIDs: p.hs.IDs, candidates: p.hs.Candidates,
			smallID: p.hs.SmallID, bigID: p.hs.BigID, proc: p}
		targets = append(targets, t)
		logf("%s at %s (pid %d)", t.label(), t.base, p.pid)
		if p.kind == kindMemory {
			memStats = append(memStats, memoryUse{users: t.users, inuse: p.hs.HeapInuse, alloc: p.hs.HeapAlloc})
		}
		if p.hs.Raw != "" {
			raw := *t
			raw.raw, raw.base = true, p.hs.Raw
			targets = append(targets, &raw)
			logf("%s at %s (pid %d)", raw.label(), raw.base, p.pid)
		}
	}
	pinned := "not pinned"
	if cfg.pin && runtime.NumCPU() >= 2 {
		ok := pin(os.Getpid(), fmt.Sprintf("1-%d", runtime.NumCPU()-1))
		for _, p := range procs {
			ok = ok && pin(p.pid, "0")
		}
		if ok {
			pinned = fmt.Sprintf("servers pinned to CPU 0, load generator to CPUs 1-%d", runtime.NumCPU()-1)
		}
	}
	logf("%s; servers at GOMAXPROCS %d", pinned, cfg.serverProcs)

	// Scenario by scenario, every target in turn, so that the figures a
	// target compares are measured close together.
	var runs []*scenarioRun
	for _, sc := range scenarioNames {
		for _, t := range targets {
			if s, ok := scenarioFor(t, sc); ok {
				runs = append(runs, &scenarioRun{target: t, scenario: s})
			}
		}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        4 * cfg.concurrency,
		MaxIdleConnsPerHost: cfg.concurrency,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
	defer client.CloseIdleConnections()
	control := &http.Client{Timeout: 30 * time.Second}
	defer control.CloseIdleConnections()
	runtime.GC()
	warm := *cfg
	warm.duration = max(cfg.duration/5, 20*time.Millisecond)
	logf("warming up: %d scenarios of %s", len(runs), warm.duration)
	for _, r := range runs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped by -timeout: %w", err)
		}
		if err := (&scenarioRun{target: r.target, scenario: r.scenario}).once(ctx, client, control, &warm); err != nil {
			return err
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		logf("round %d of %d: %d scenarios of %s", round, cfg.rounds, len(runs), cfg.duration)
		for _, r := range runs {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("stopped by -timeout: %w", err)
			}
			if err := r.once(ctx, client, control, cfg); err != nil {
				return err
			}
		}
	}
	rep := &report{cfg: cfg, runs: runs, memory: memStats, pinned: pinned}
	rep.print(stdout)
	return nil
}

// memoryUse is the heap a memory store holds for its users.
type memoryUse struct {
	users        int
	inuse, alloc int64 // growth of HeapInuse and HeapAlloc while loading
}

func (m memoryUse) inusePerUser() float64 { return float64(m.inuse) / float64(m.users) }
func (m memoryUse) allocPerUser() float64 { return float64(m.alloc) / float64(m.users) }

// userBody returns the JSON body creating the user with the given name.
func userBody(name string) []byte {
	attrs := fixture.User(0)
	attrs["userName"] = name
	attrs["externalId"] = "ext-" + name
	attrs["schemas"] = []any{schema.UserSchemaURN, schema.EnterpriseUserSchemaURN}
	b, _ := json.Marshal(attrs)
	return b
}

// scenario is one kind of request.
type scenario struct {
	name string
	// request builds the i-th request of client goroutine w.
	request func(rnd *mathrand.Rand, w int, i int64) (method, path string, body []byte)
	want    int
	// undo says to delete what the scenario created after each round, so
	// that every round and scenario sees the store at its loaded size.
	undo bool
}

// Scenario names, also used to find the rows of the targets.
const (
	scGet        = "GET /Users/{id}"
	scUserName   = `filter userName eq`
	scExternalID = `filter externalId eq`
	scList       = "list count=100"
	scCreate     = "POST /Users"
	scEntra      = "PATCH replace (Entra)"
	scRFC        = "PATCH replace (RFC)"
	scSmallGroup = "member add+remove, 100"
	scBigGroup   = "member add+remove, big"
)

// scenarioNames is the order of the scenarios in a round and in the table.
var scenarioNames = []string{scGet, scUserName, scExternalID, scList, scCreate, scEntra, scRFC, scSmallGroup, scBigGroup}

// scenarioFor returns the scenario named sc against t, and whether t
// serves it: the json.Encoder handler serves GET by id only, the raw
// queries the three lookups.
// maxConcurrency bounds -c: each client goroutine of the member scenarios
// adds and removes a user of its own, and the servers load that many.
const maxConcurrency = 256

func scenarioFor(t *target, sc string) (scenario, bool) {
	switch {
	case t.kind == kindBareJSON && sc != scGet:
		return scenario{}, false
	case t.raw && sc != scGet && sc != scUserName && sc != scExternalID:
		return scenario{}, false
	}
	pick := func(rnd *mathrand.Rand) string { return t.userIDs[rnd.IntN(len(t.userIDs))] }
	patchOps := func(ops string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)
	}
	// member alternates adding and removing one member per client
	// goroutine, so that the group keeps its size.
	member := func(group string) func(*mathrand.Rand, int, int64) (string, string, []byte) {
		return func(_ *mathrand.Rand, w int, i int64) (string, string, []byte) {
			id := t.candidates[w]
			ops := `[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]`
			if i%2 == 1 {
				ops = `[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]`
			}
			return http.MethodPatch, "/Groups/" + group, patchOps(ops)
		}
	}
	filter := func(attr string, value func(int) string) func(*mathrand.Rand, int, int64) (string, string, []byte) {
		return func(rnd *mathrand.Rand, _ int, _ int64) (string, string, []byte) {
			return http.MethodGet, "/Users?filter=" + url.QueryEscape(attr+` eq "`+value(rnd.IntN(t.users))+`"`), nil
		}
	}
	var created atomic.Int64
	s := scenario{name: sc, want: http.StatusOK}
	switch sc {
	case scGet:
		s.request = func(rnd *mathrand.Rand, _ int, _ int64) (string, string, []byte) {
			return http.MethodGet, "/Users/" + pick(rnd), nil
		}
	case scUserName:
		s.request = filter("userName", userName)
	case scExternalID:
		s.request = filter("externalId", externalID)
	case scList:
		s.request = func(*mathrand.Rand, int, int64) (string, string, []byte) { return http.MethodGet, listPath, nil }
	case scCreate:
		s.want, s.undo = http.StatusCreated, true
		s.request = func(_ *mathrand.Rand, w int, _ int64) (string, string, []byte) {
			return http.MethodPost, "/Users", userBody(fmt.Sprintf("created-%d-%d@example.com", w, created.Add(1)))
		}
	case scEntra:
		// Entra ID capitalises the op and sends booleans as strings.
		s.request = func(rnd *mathrand.Rand, _ int, i int64) (string, string, []byte) {
			v := "False"
			if i%2 == 1 {
				v = "True"
			}
			return http.MethodPatch, "/Users/" + pick(rnd), patchOps(`[{"op":"Replace","path":"active","value":"` + v + `"}]`)
		}
	case scRFC:
		s.request = func(rnd *mathrand.Rand, _ int, i int64) (string, string, []byte) {
			return http.MethodPatch, "/Users/" + pick(rnd),
				patchOps(`[{"op":"replace","path":"active","value":` + strconv.FormatBool(i%2 == 1) + `}]`)
		}
	case scSmallGroup:
		s.want, s.request = http.StatusNoContent, member(t.smallID)
	case scBigGroup:
		s.want, s.request = http.StatusNoContent, member(t.bigID)
	default:
		return scenario{}, false
	}
	return s, true
}

// scenarioRun accumulates the rounds of one scenario against one target.
type scenarioRun struct {
	target   *target
	scenario scenario
	rates    []float64 // requests per second, one per round
	samples  []time.Duration
	requests int64
	errors   int64
	firstErr string
	// The growth of the server process's figures during the rounds.
	cpu            time.Duration
	cpuKnown       bool
	mallocs, bytes uint64
}

// once runs the scenario for one round: each client goroutine sends
// requests one after the other until the round's time is up, and the
// requests in flight then complete. It reads the server process's figures
// before and after, through control.
func (r *scenarioRun) once(ctx context.Context, client, control *http.Client, cfg *config) error {
	var issued, failed atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var created []string
	// Every scenario starts from a collected heap, on every server alike;
	// the collection is not in the figures.
	if err := r.target.proc.settle(ctx, control); err != nil {
		return err
	}
	before, err := r.target.proc.stats(ctx, control)
	if err != nil {
		return err
	}
	if cfg.cpuProfile != "" {
		name := fileName(fmt.Sprintf("%s-%s-%d", r.target.label(), r.scenario.name, len(r.rates)+1)) + ".pprof"
		if err := r.target.proc.profile(ctx, control, filepath.Join(cfg.cpuProfile, name)); err != nil {
			return err
		}
	}
	start := time.Now()
	deadline := start.Add(cfg.duration)
	for w := 0; w < cfg.concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := mathrand.New(mathrand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			local := make([]time.Duration, 0, 1024)
			for i := int64(0); time.Now().Before(deadline) && issued.Add(1) <= cfg.maxRequests; i++ {
				method, path, body := r.scenario.request(rnd, w, i)
				t0 := time.Now()
				status, location, err := do(ctx, client, method, r.target.base+path, body)
				d := time.Since(t0)
				if ctx.Err() != nil {
					break
				}
				if r.scenario.undo && location != "" {
					mu.Lock()
					created = append(created, location)
					mu.Unlock()
				}
				if err != nil || status != r.scenario.want {
					failed.Add(1)
					mu.Lock()
					if r.firstErr == "" {
						r.firstErr = fmt.Sprintf("%s %s: status %d, %v", method, path, status, err)
					}
					mu.Unlock()
				}
				if len(local) < maxSamples {
					local = append(local, d)
				}
			}
			mu.Lock()
			r.samples = append(r.samples, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if cfg.cpuProfile != "" {
		if err := r.target.proc.profile(ctx, control, ""); err != nil {
			return err
		}
	}
	after, err := r.target.proc.stats(ctx, control)
	if err != nil {
		return err
	}
	n := min(issued.Load(), cfg.maxRequests)
	r.requests += n
	r.errors += failed.Load()
	r.rates = append(r.rates, float64(n)/elapsed.Seconds())
	r.cpuKnown = before.CPU >= 0 && after.CPU >= 0
	r.cpu += after.CPU - before.CPU
	r.mallocs += after.Mallocs - before.Mallocs
	r.bytes += after.Bytes - before.Bytes
	for _, location := range created {
		_, _, _ = do(context.Background(), client, http.MethodDelete, location, nil)
	}
	return nil
}

// fileName turns a label into a file name: letters, digits and dashes.
func fileName(label string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(label) {
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// do sends one request and reads the whole response. It returns the status
// and the Location header.
func do(ctx context.Context, client *http.Client, method, target string, body []byte) (int, string, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), err
}

func (r *scenarioRun) rate() float64 { return median(r.rates) }

func (r *scenarioRun) percentile(p float64) time.Duration {
	if len(r.samples) == 0 {
		return 0
	}
	slices.Sort(r.samples)
	i := int(p * float64(len(r.samples)-1))
	return r.samples[i]
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }

// count formats n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
