// Command loadtest measures the SCIM server over HTTP on loopback, side by
// side with a bare net/http handler that returns a stored user's JSON from
// a map, so that its results are ratios measured in one run on one machine
// rather than absolute times.
//
// Run it from the repository root:
//
//	go run ./loadtest                                    # memory and SQLite
//	go run ./loadtest -users 1000,100000,1000000         # the sizes of the targets
//	go run ./loadtest -postgres postgres://127.0.0.1/db  # PostgreSQL too
//	go run ./loadtest -h                                 # every flag
//
// In one process it starts, on 127.0.0.1 ephemeral ports, a scim.Server
// over the memory store for each size given with -users, over SQLite and,
// when a DSN is given with -postgres (or in the SCIM_POSTGRES_DSN
// environment variable), over PostgreSQL. It loads the users, a group of
// 100 members and a group of -big-group members into each. Beside them it
// starts the bare handler, holding in a map the documents that the first
// memory store's server answers for its users, so that both encode the
// same JSON. It then runs every scenario with -c client goroutines for -duration,
// -rounds times, interleaving the scenarios so that a slow moment of a
// shared machine hits them all alike. It prints requests per second (the
// median of the rounds), p50 and p99 latency, each rate as a ratio to the
// bare handler, the resident memory per user of the memory store, and
// whether each performance target is met.
//
// Every scenario is bounded by -duration and -max-requests; the whole run
// by -timeout. Nothing leaves the loopback interface; the SQLite file lives
// in a temporary directory that is removed, and the PostgreSQL tables get a
// random prefix and are dropped at the end.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
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
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
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
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./loadtest [flags]\n\n"+
			"Measures the SCIM server over the memory store, SQLite and (with -postgres)\n"+
			"PostgreSQL beside a bare net/http JSON handler on 127.0.0.1, and prints\n"+
			"requests/s, p50, p99, ratios to the bare handler and the targets met or missed.\n\nflags:\n")
		fs.PrintDefaults()
	}
	users := fs.String("users", "1000,100000", "comma-separated numbers of users; one memory store is loaded per number (the bare handler holds the first)")
	c := &config{}
	fs.IntVar(&c.sqlUsers, "sql-users", 10000, "number of users loaded into each SQL store")
	fs.IntVar(&c.bigGroup, "big-group", 100000, "members of the large group (the small group has 100)")
	fs.IntVar(&c.concurrency, "c", 4, "concurrent client goroutines per scenario")
	fs.DurationVar(&c.duration, "duration", 2*time.Second, "duration of one scenario in one round")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds: every scenario runs once per round, and the median rate is reported")
	fs.Int64Var(&c.maxRequests, "max-requests", 1000000, "maximum requests of one scenario in one round")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Minute, "bound on the whole run, loading included")
	fs.BoolVar(&c.sqlite, "sqlite", true, "measure the SQLite store")
	fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL DSN to measure the PostgreSQL store too; when not given, $"+postgresEnv+" is used; -postgres '' skips it")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "postgres" })
	if !given {
		c.postgres = os.Getenv(postgresEnv)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
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
	case c.concurrency < 1 || c.concurrency > 256:
		return nil, errors.New("-c must be between 1 and 256")
	case c.duration <= 0 || c.rounds < 1 || c.maxRequests < 1 || c.timeout <= 0:
		return nil, errors.New("-duration, -rounds, -max-requests and -timeout must be positive")
	}
	return c, nil
}

// run is the whole program: flags, servers, load, scenarios, report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}

	var targets []*target
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()

	var memStats []memoryUse
	for _, n := range cfg.users {
		t, use, err := startMemory(ctx, n, cfg.bigGroup)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		memStats = append(memStats, use)
		logf("memory store at %s with %d users: %.0f B/user in use", t.base, n, use.inusePerUser())
	}
	bare, err := startBare(ctx, targets[0])
	if err != nil {
		return err
	}
	targets = slices.Insert(targets, 0, bare)
	logf("bare handler at %s with the %d users of the first memory store", bare.base, bare.users)
	if cfg.sqlite {
		t, err := startSQLite(ctx, cfg.sqlUsers, cfg.bigGroup)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		logf("SQLite store at %s with %d users", t.base, cfg.sqlUsers)
	}
	if cfg.postgres != "" {
		t, err := startPostgres(ctx, cfg.postgres, cfg.sqlUsers, cfg.bigGroup)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		logf("PostgreSQL store at %s with %d users", t.base, cfg.sqlUsers)
	}

	// Scenario by scenario, every target in turn, so that the figures a
	// target compares are measured close together.
	var runs []*scenarioRun
	for _, t := range targets {
		for _, sc := range scenariosFor(t) {
			runs = append(runs, &scenarioRun{target: t, scenario: sc})
		}
	}
	order := map[string]int{}
	for i, sc := range scenariosFor(&target{userIDs: []string{""}}) {
		order[sc.name] = i
	}
	slices.SortStableFunc(runs, func(a, b *scenarioRun) int { return order[a.scenario.name] - order[b.scenario.name] })
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        4 * cfg.concurrency,
		MaxIdleConnsPerHost: cfg.concurrency,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
	defer client.CloseIdleConnections()
	runtime.GC()
	warm := *cfg
	warm.duration = max(cfg.duration/5, 20*time.Millisecond)
	logf("warming up: %d scenarios of %s", len(runs), warm.duration)
	for _, r := range runs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped by -timeout: %w", err)
		}
		(&scenarioRun{target: r.target, scenario: r.scenario}).once(ctx, client, &warm)
	}
	for round := 1; round <= cfg.rounds; round++ {
		logf("round %d of %d: %d scenarios of %s", round, cfg.rounds, len(runs), cfg.duration)
		for _, r := range runs {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("stopped by -timeout: %w", err)
			}
			r.once(ctx, client, cfg)
		}
	}
	rep := &report{cfg: cfg, runs: runs, memory: memStats}
	rep.print(stdout)
	return nil
}

// target is one HTTP server under test and what was loaded into it.
type target struct {
	name    string // "bare", "memory", "SQLite", "PostgreSQL"
	users   int
	base    string // URL of the SCIM base (or of the bare handler)
	userIDs []string
	smallID string // group of smallGroup members
	bigID   string // group of bigGroup members
	// memberIDs are the users the member scenario adds and removes, one
	// per client goroutine, in stores whose members must exist.
	memberIDs []string
	srv       *http.Server
	cleanups  []func()
}

func (t *target) label() string {
	if t.name == "bare" {
		return "bare net/http"
	}
	return fmt.Sprintf("%s, %s users", t.name, count(t.users))
}

func (t *target) close() {
	if t.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = t.srv.Shutdown(ctx)
		cancel()
	}
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// serve starts h on an ephemeral loopback port.
func (t *target) serve(h http.Handler, prefix string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	t.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = t.srv.Serve(ln) }()
	t.base = "http://" + ln.Addr().String() + prefix
	return nil
}

// startBare starts the reference handler: GET /Users/{id} encodes a user
// document held in a map, and nothing else. Its documents are those the
// SCIM server of from answers for its users, read once through it, so that
// both encode the same JSON.
func startBare(ctx context.Context, from *target) (*target, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	docs := make(map[string]map[string]any, len(from.userIDs))
	t := &target{name: "bare", users: from.users, userIDs: from.userIDs}
	for _, id := range from.userIDs {
		doc, err := getJSON(ctx, client, from.base+"/Users/"+id)
		if err != nil {
			return nil, err
		}
		docs[id] = doc
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(doc)
	})
	return t, t.serve(mux, "")
}

// newServer mounts a scim.Server over the stores at /scim/v2.
func (t *target) newServer(users, groups scim.ResourceStore) error {
	srv, err := scim.New(scim.WithUsers(users), scim.WithGroups(groups),
		scim.WithBearerToken("loadtest", token),
		scim.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return t.serve(mux, "/scim/v2")
}

// memoryUse is the heap a memory store holds for its users.
type memoryUse struct {
	users        int
	inuse, alloc int64 // growth of HeapInuse and HeapAlloc while loading
}

func (m memoryUse) inusePerUser() float64 { return float64(m.inuse) / float64(m.users) }
func (m memoryUse) allocPerUser() float64 { return float64(m.alloc) / float64(m.users) }

func heap() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

// startMemory loads n users and the two groups into a new memory store,
// measuring the heap the users take, and serves it.
func startMemory(ctx context.Context, n, big int) (*target, memoryUse, error) {
	t := &target{name: "memory", users: n}
	before := heap()
	db := memory.New()
	if err := loadUsers(ctx, t, db.Users(), n); err != nil {
		return nil, memoryUse{}, err
	}
	after := heap()
	use := memoryUse{users: n, inuse: int64(after.HeapInuse) - int64(before.HeapInuse),
		alloc: int64(after.HeapAlloc) - int64(before.HeapAlloc)}
	if err := loadGroups(ctx, t, db.Users(), db.Groups(), big); err != nil {
		return nil, use, err
	}
	return t, use, t.newServer(db.Users(), db.Groups())
}

// startSQLite opens a SQLite database in a temporary directory.
func startSQLite(ctx context.Context, n, big int) (*target, error) {
	t := &target{name: "SQLite", users: n}
	dir, err := os.MkdirTemp("", "scim-loadtest-")
	if err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() { os.RemoveAll(dir) })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scim.db")+
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.close()
		return nil, err
	}
	db.SetMaxOpenConns(1)
	t.cleanups = append(t.cleanups, func() { db.Close() })
	store, err := sqlstore.Open(ctx, db, sqlstore.SQLite, sqlstore.Options{})
	if err != nil {
		t.close()
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() { store.Close() })
	return t, t.fillSQL(ctx, store, n, big)
}

// startPostgres creates tables with a random prefix, dropped at the end.
func startPostgres(ctx context.Context, dsn string, n, big int) (*target, error) {
	t := &target{name: "PostgreSQL", users: n}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	t.cleanups = append(t.cleanups, func() { db.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "loadtest_" + hex.EncodeToString(b[:]) + "_"
	t.cleanups = append(t.cleanups, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+prefix+"members, "+prefix+"resources")
	})
	store, err := sqlstore.Open(ctx, db, sqlstore.Postgres, sqlstore.Options{TablePrefix: prefix})
	if err != nil {
		t.close()
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() { store.Close() })
	return t, t.fillSQL(ctx, store, n, big)
}

func (t *target) fillSQL(ctx context.Context, store *sqlstore.DB, n, big int) error {
	if err := loadUsers(ctx, t, store.Users(), n); err != nil {
		t.close()
		return err
	}
	if err := loadGroups(ctx, t, store.Users(), store.Groups(), big); err != nil {
		t.close()
		return err
	}
	if err := t.newServer(store.Users(), store.Groups()); err != nil {
		t.close()
		return err
	}
	return nil
}

// getJSON reads the JSON object at target.
func getJSON(ctx context.Context, client *http.Client, target string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", target, resp.StatusCode)
	}
	var doc map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("GET %s: %w", target, err)
	}
	return doc, nil
}

// userBody returns the JSON body creating the user with the given name.
func userBody(name string) []byte {
	attrs := fixture.User(0)
	attrs["userName"] = name
	attrs["externalId"] = "ext-" + name
	attrs["schemas"] = []any{schema.UserSchemaURN, schema.EnterpriseUserSchemaURN}
	b, _ := json.Marshal(attrs)
	return b
}

func loadUsers(ctx context.Context, t *target, users scim.ResourceStore, n int) error {
	t.userIDs = make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		res, err := users.Create(ctx, &scim.Resource{Attributes: fixture.User(i)})
		if err != nil {
			return fmt.Errorf("loading user %d into %s: %w", i, t.name, err)
		}
		t.userIDs = append(t.userIDs, res.ID)
	}
	return nil
}

// maxMemberClients is how many client goroutines get a member of their
// own in the member scenario.
const maxMemberClients = 64

// loadGroups creates the group of smallGroup members and the group of big
// members: the loaded users first, then, when there are fewer, users made
// for the purpose (members refer to resources that exist).
func loadGroups(ctx context.Context, t *target, users, groups scim.ResourceStore, big int) error {
	var extra []string
	for i := len(t.userIDs); i < max(big, smallGroup); i++ {
		res, err := users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("external-member-%07d", i)}})
		if err != nil {
			return fmt.Errorf("loading member %d into %s: %w", i, t.name, err)
		}
		extra = append(extra, res.ID)
	}
	for w := 0; w < maxMemberClients; w++ {
		res, err := users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("loadtest-member-%d", w)}})
		if err != nil {
			return fmt.Errorf("loading member %d into %s: %w", w, t.name, err)
		}
		t.memberIDs = append(t.memberIDs, res.ID)
	}
	members := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			id := ""
			if i < len(t.userIDs) {
				id = t.userIDs[i]
			} else {
				id = extra[i-len(t.userIDs)]
			}
			out[i] = map[string]any{"value": id}
		}
		return out
	}
	for _, g := range []struct {
		name string
		n    int
		id   *string
	}{{"Small", smallGroup, &t.smallID}, {"Big", big, &t.bigID}} {
		res, err := groups.Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": g.name, "members": members(g.n)}})
		if err != nil {
			return fmt.Errorf("loading group of %d into %s: %w", g.n, t.name, err)
		}
		*g.id = res.ID
	}
	return nil
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
	scGet        = "GET by id"
	scFilter     = `filter=userName eq "…"`
	scCreate     = "POST create"
	scActive     = "PATCH replace active"
	scSmallGroup = "PATCH member, group of 100"
	scBigGroup   = "PATCH member, group of big"
	scList       = "list count=100"
)

func scenariosFor(t *target) []scenario {
	pick := func(rnd *mathrand.Rand) string { return t.userIDs[rnd.IntN(len(t.userIDs))] }
	get := scenario{name: scGet, want: http.StatusOK, request: func(rnd *mathrand.Rand, _ int, _ int64) (string, string, []byte) {
		return http.MethodGet, "/Users/" + pick(rnd), nil
	}}
	if t.name == "bare" {
		return []scenario{get}
	}
	patchOps := func(ops string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)
	}
	// member alternates adding and removing one member per client
	// goroutine, so that the group keeps its size.
	member := func(group *string) func(*mathrand.Rand, int, int64) (string, string, []byte) {
		return func(_ *mathrand.Rand, w int, i int64) (string, string, []byte) {
			id := fmt.Sprintf("loadtest-member-%d", w)
			if len(t.memberIDs) > 0 {
				id = t.memberIDs[w%len(t.memberIDs)]
			}
			ops := `[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]`
			if i%2 == 1 {
				ops = `[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]`
			}
			return http.MethodPatch, "/Groups/" + *group, patchOps(ops)
		}
	}
	var created atomic.Int64
	return []scenario{
		get,
		{name: scFilter, want: http.StatusOK, request: func(rnd *mathrand.Rand, _ int, _ int64) (string, string, []byte) {
			name := fmt.Sprintf("user%07d@example.com", rnd.IntN(t.users))
			return http.MethodGet, "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`), nil
		}},
		{name: scCreate, want: http.StatusCreated, undo: true, request: func(_ *mathrand.Rand, w int, _ int64) (string, string, []byte) {
			return http.MethodPost, "/Users", userBody(fmt.Sprintf("created-%d-%d@example.com", w, created.Add(1)))
		}},
		{name: scActive, want: http.StatusOK, request: func(rnd *mathrand.Rand, _ int, i int64) (string, string, []byte) {
			return http.MethodPatch, "/Users/" + pick(rnd),
				patchOps(`[{"op":"replace","path":"active","value":` + strconv.FormatBool(i%2 == 1) + `}]`)
		}},
		{name: scSmallGroup, want: http.StatusNoContent, request: member(&t.smallID)},
		{name: scBigGroup, want: http.StatusNoContent, request: member(&t.bigID)},
		{name: scList, want: http.StatusOK, request: func(*mathrand.Rand, int, int64) (string, string, []byte) {
			return http.MethodGet, "/Users?startIndex=1&count=100", nil
		}},
	}
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
}

// once runs the scenario for one round: each client goroutine sends
// requests one after the other until the round's time is up, and the
// requests in flight then complete.
func (r *scenarioRun) once(ctx context.Context, client *http.Client, cfg *config) {
	var issued, failed atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var created []string
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
	n := min(issued.Load(), cfg.maxRequests)
	r.requests += n
	r.errors += failed.Load()
	r.rates = append(r.rates, float64(n)/elapsed.Seconds())
	for _, location := range created {
		_, _, _ = do(context.Background(), client, http.MethodDelete, location, nil)
	}
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

// report prints the table and the targets.
type report struct {
	cfg    *config
	runs   []*scenarioRun
	memory []memoryUse
}

func (rep *report) find(store string, users int, sc string) *scenarioRun {
	for _, r := range rep.runs {
		if r.target.name == store && (users == 0 || r.target.users == users) && r.scenario.name == sc {
			return r
		}
	}
	return nil
}

func (rep *report) print(w io.Writer) {
	cfg := rep.cfg
	fmt.Fprintf(w, "SCIM load test: %d client goroutines, %d rounds of %s per scenario, GOMAXPROCS %d, %s/%s, %s\n\n",
		cfg.concurrency, cfg.rounds, cfg.duration, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	bare := rep.find("bare", 0, scGet)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "store\tscenario\treq/s\tx bare GET\tp50\tp99\trequests\terrors\t")
	for _, r := range rep.runs {
		name := r.scenario.name
		if name == scBigGroup {
			name = "PATCH member, group of " + count(cfg.bigGroup)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%s\t%s\t%d\t%d\t\n", r.target.label(), name, r.rate(),
			r.rate()/bare.rate(), ms(r.percentile(0.50)), ms(r.percentile(0.99)), r.requests, r.errors)
	}
	tw.Flush()
	for _, r := range rep.runs {
		if r.errors > 0 {
			fmt.Fprintf(w, "errors in %s, %s: first: %s\n", r.target.label(), r.scenario.name, r.firstErr)
		}
	}

	fmt.Fprintln(w, "\nmemory store, heap per user after GC (growth while loading the users, divided by their number;")
	fmt.Fprintln(w, "the verdict uses HeapAlloc, the live bytes; HeapInuse adds the free slots of spans shared with")
	fmt.Fprintln(w, "the garbage of loading, which later allocations reuse):")
	for _, m := range rep.memory {
		fmt.Fprintf(w, "  %9s users: HeapInuse %.0f B/user, HeapAlloc %.0f B/user\n", count(m.users), m.inusePerUser(), m.allocPerUser())
	}

	fmt.Fprintln(w, "\ntargets:")
	verdict := func(ok bool) string {
		if ok {
			return "MET   "
		}
		return "MISSED"
	}
	small, large := cfg.users[0], slices.Max(cfg.users)
	if get := rep.find("memory", small, scGet); get != nil {
		ratio := get.rate() / bare.rate()
		fmt.Fprintf(w, "  %s GET by id >= 0.8x bare handler: memory %.0f req/s / bare %.0f req/s = %.2fx (p50 %s vs %s)\n",
			verdict(ratio >= 0.8), get.rate(), bare.rate(), ratio, ms(get.percentile(0.5)), ms(bare.percentile(0.5)))
	}
	if large != small {
		a, b := rep.find("memory", small, scFilter), rep.find("memory", large, scFilter)
		ratio := b.rate() / a.rate()
		fmt.Fprintf(w, "  %s userName eq at %s users >= 0.9x at %s: %.0f req/s / %.0f req/s = %.2fx (p50 %s vs %s)\n",
			verdict(ratio >= 0.9), count(large), count(small), b.rate(), a.rate(), ratio, ms(b.percentile(0.5)), ms(a.percentile(0.5)))
	} else {
		fmt.Fprintln(w, "  (userName eq flatness needs two sizes in -users)")
	}
	for _, t := range []struct {
		store string
		users int
	}{{"memory", large}, {"SQLite", 0}, {"PostgreSQL", 0}} {
		a, b := rep.find(t.store, t.users, scSmallGroup), rep.find(t.store, t.users, scBigGroup)
		if a == nil || b == nil {
			continue
		}
		ratio := a.rate() / b.rate() // cost ratio: time per request
		fmt.Fprintf(w, "  %s member add at %s members <= 1.5x at 100 (%s): %.0f req/s vs %.0f req/s = %.2fx the cost (p50 %s vs %s)\n",
			verdict(ratio <= 1.5), count(cfg.bigGroup), b.target.label(), b.rate(), a.rate(), ratio, ms(b.percentile(0.5)), ms(a.percentile(0.5)))
	}
	for _, m := range rep.memory {
		fmt.Fprintf(w, "  %s <= 2 KB resident per typical user (memory, %s users): %.0f B live (HeapAlloc); %.0f B of spans in use (HeapInuse)\n",
			verdict(m.allocPerUser() <= 2048), count(m.users), m.allocPerUser(), m.inusePerUser())
	}
	fmt.Fprintln(w, "  (SQL userName eq <= 1.5x a raw indexed query: go test -bench UserNameEq ./store/sqlstore)")
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
