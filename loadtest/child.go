package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/cputime"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// childEnv names the environment variable that turns the harness's own
// binary into one server process: it holds the childSpec as JSON. The
// parent starts one such process per server, so that each measured server
// has a heap, a garbage collector and a CPU account of its own.
const childEnv = "SCIM_LOADTEST_SERVER"

// Kinds of server process.
const (
	kindBare     = "bare"      // pre-encoded bytes from maps: the yardstick
	kindBareJSON = "bare-json" // a map document run through json.Encoder per request
	kindMemory   = "memory"
	kindSQLite   = "SQLite"
	kindPostgres = "PostgreSQL"
)

// childSpec tells a server process what to serve.
type childSpec struct {
	Kind     string `json:"kind"`
	Users    int    `json:"users"`
	BigGroup int    `json:"bigGroup"`
	DSN      string `json:"dsn,omitempty"`
	Procs    int    `json:"procs"` // GOMAXPROCS once loaded; 0 leaves it
}

// handshake is the one line a server process prints on its standard output
// once it is loaded and listening.
type handshake struct {
	Err     string   `json:"err,omitempty"`
	Base    string   `json:"base"`          // URL of the SCIM base or of the bare handler
	Raw     string   `json:"raw,omitempty"` // URL of the raw-query handler (SQL stores)
	Control string   `json:"control"`       // URL of the stats endpoint
	IDs     []string `json:"ids"`
	// Members are the users that fill the groups beyond IDs, when there
	// are fewer users than members: group members must exist.
	Members []string `json:"members,omitempty"`
	// Candidates are users in no group, one per client goroutine, that
	// the member scenarios add and remove.
	Candidates []string `json:"candidates"`
	SmallID    string   `json:"smallID"`
	BigID      string   `json:"bigID"`
	HeapAlloc  int64    `json:"heapAlloc"` // growth while loading the users (memory)
	HeapInuse  int64    `json:"heapInuse"`
}

// procStats is what the stats endpoint of a server process answers: its
// CPU time so far and its heap allocations so far.
type procStats struct {
	CPU     time.Duration `json:"cpu"` // user + system, from getrusage; -1 when unknown
	Mallocs uint64        `json:"mallocs"`
	Bytes   uint64        `json:"bytes"`
	NumGC   uint32        `json:"numGC"`
}

func readProcStats() procStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return procStats{CPU: cputime.Process(), Mallocs: ms.Mallocs, Bytes: ms.TotalAlloc, NumGC: ms.NumGC}
}

// childMain runs a server process until its standard input closes, and
// returns the exit code.
func childMain(specJSON string) int {
	// Interrupts reach the whole process group; the parent decides when
	// a server stops (by closing its standard input), so that a server
	// over PostgreSQL always drops its tables.
	signal.Ignore(os.Interrupt)
	var spec childSpec
	out := json.NewEncoder(os.Stdout)
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		_ = out.Encode(handshake{Err: "bad spec: " + err.Error()})
		return 2
	}
	ctx := context.Background()
	s := &serverProc{}
	defer s.close()
	hs, err := s.start(ctx, spec)
	if err != nil {
		_ = out.Encode(handshake{Err: err.Error()})
		return 1
	}
	if spec.Procs > 0 {
		runtime.GOMAXPROCS(spec.Procs)
	}
	runtime.GC()
	if err := out.Encode(hs); err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// serverProc is the state of a server process.
type serverProc struct {
	servers  []*http.Server
	cleanups []func()

	mu        sync.Mutex
	profiling *os.File // the CPU profile being written, if any
}

func (s *serverProc) close() {
	_ = s.profile("")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}

// serveProfile starts a CPU profile into the file the body names, or,
// with an empty body, stops the one running and writes it out.
func (s *serverProc) serveProfile(w http.ResponseWriter, r *http.Request) {
	path, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err == nil {
		err = s.profile(string(path))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *serverProc) profile(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profiling != nil {
		pprof.StopCPUProfile()
		err := s.profiling.Close()
		s.profiling = nil
		if err != nil {
			return err
		}
	}
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	s.profiling = f
	return nil
}

// listen serves h on an ephemeral loopback port and returns its URL.
func (s *serverProc) listen(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (s *serverProc) start(ctx context.Context, spec childSpec) (*handshake, error) {
	hs := &handshake{}
	var h http.Handler
	var err error
	switch spec.Kind {
	case kindBare, kindBareJSON:
		h, err = newBare(ctx, spec, hs)
	case kindMemory:
		h, err = s.memory(ctx, spec, hs)
	case kindSQLite, kindPostgres:
		h, err = s.sql(ctx, spec, hs)
	default:
		err = fmt.Errorf("unknown kind %q", spec.Kind)
	}
	if err != nil {
		return nil, err
	}
	if hs.Base, err = s.listen(h); err != nil {
		return nil, err
	}
	// The stats endpoint has a listener of its own, so that reading the
	// figures never goes through the handler under test.
	control := http.NewServeMux()
	control.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(readProcStats())
	})
	control.HandleFunc("POST /profile", s.serveProfile)
	control.HandleFunc("POST /settle", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		w.WriteHeader(http.StatusNoContent)
	})
	if hs.Control, err = s.listen(control); err != nil {
		return nil, err
	}
	return hs, nil
}

// newSCIM returns a scim.Server over the stores. It is served at the root
// of its listener, as the bare handler is, so that the two answer the
// same paths through the same layers: an application that mounts it under
// a prefix with http.StripPrefix adds the copy of the request that
// StripPrefix makes, as it would for any handler.
func newSCIM(users, groups scim.ResourceStore) (http.Handler, error) {
	return scim.New(scim.WithUsers(users), scim.WithGroups(groups),
		scim.WithBearerToken("loadtest", token),
		scim.WithLogger(slog.New(slog.DiscardHandler)))
}

func heap() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

// memory loads the users and the two groups into a new memory store,
// measuring the heap the users take.
func (s *serverProc) memory(ctx context.Context, spec childSpec, hs *handshake) (http.Handler, error) {
	before := heap()
	db := memory.New()
	if err := loadUsers(ctx, hs, db.Users(), spec.Users); err != nil {
		return nil, err
	}
	after := heap()
	hs.HeapInuse = int64(after.HeapInuse) - int64(before.HeapInuse)
	hs.HeapAlloc = int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if err := loadGroups(ctx, hs, db.Users(), db.Groups(), spec.BigGroup); err != nil {
		return nil, err
	}
	return newSCIM(db.Users(), db.Groups())
}

// sql opens SQLite in a temporary directory, or PostgreSQL with tables of
// a random prefix that are dropped when the process ends, loads it, and
// serves the raw-query handler on a second listener.
func (s *serverProc) sql(ctx context.Context, spec childSpec, hs *handshake) (http.Handler, error) {
	var db *sql.DB
	var dialect sqlstore.Dialect
	var err error
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "loadtest_" + hex.EncodeToString(b[:]) + "_"
	if spec.Kind == kindSQLite {
		dir, err := os.MkdirTemp("", "scim-loadtest-")
		if err != nil {
			return nil, err
		}
		s.cleanups = append(s.cleanups, func() { os.RemoveAll(dir) })
		db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, "scim.db")+
			"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		dialect = sqlstore.SQLite
	} else {
		if db, err = sql.Open("pgx", spec.DSN); err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		dialect = sqlstore.Postgres
	}
	// Cleanups run last first: the tables are dropped before the pool
	// closes.
	s.cleanups = append(s.cleanups, func() { db.Close() })
	if spec.Kind == kindPostgres {
		s.cleanups = append(s.cleanups, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+prefix+"members, "+prefix+"resources")
		})
	}
	store, err := sqlstore.Open(ctx, db, dialect, sqlstore.Options{TablePrefix: prefix})
	if err != nil {
		return nil, err
	}
	s.cleanups = append(s.cleanups, func() { store.Close() })
	if err := loadUsers(ctx, hs, store.Users(), spec.Users); err != nil {
		return nil, err
	}
	if err := loadGroups(ctx, hs, store.Users(), store.Groups(), spec.BigGroup); err != nil {
		return nil, err
	}
	if hs.Raw, err = s.listen(newRaw(db, prefix+"resources", spec.Kind == kindPostgres)); err != nil {
		return nil, err
	}
	return newSCIM(store.Users(), store.Groups())
}

// newRaw returns the raw-query handler: GET /Users/{id} and the userName
// and externalId eq filters each run one indexed SELECT of the stored JSON
// on the store's own table and connection pool, and write the bytes read.
// It is what the database allows without decoding anything.
func newRaw(db *sql.DB, table string, postgres bool) http.Handler {
	q := func(where string) string {
		s := "SELECT data FROM " + table + " WHERE dir = '' AND type = 'User' AND " + where
		if postgres {
			s = strings.Replace(s, "?", "$1", 1)
		}
		return s
	}
	byID, byUserName, byExternalID := q("id = ?"), q("user_name_lower = lower(?)"), q("external_id = ?")
	write := func(w http.ResponseWriter, r *http.Request, query, arg string) {
		var data []byte
		err := db.QueryRowContext(r.Context(), query, arg).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", scim.ContentType)
		_, _ = w.Write(data)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		write(w, r, byID, r.PathValue("id"))
	})
	mux.HandleFunc("GET /Users", func(w http.ResponseWriter, r *http.Request) {
		attr, value, ok := eqFilter(r)
		switch {
		case ok && attr == "userName":
			write(w, r, byUserName, value)
		case ok && attr == "externalId":
			write(w, r, byExternalID, value)
		default:
			http.Error(w, "unsupported", http.StatusBadRequest)
		}
	})
	return mux
}

// eqFilter reads a filter of the form `attr eq "value"` from the query,
// the least parsing any handler of these requests must do.
func eqFilter(r *http.Request) (attr, value string, ok bool) {
	f := r.URL.Query().Get("filter")
	attr, rest, ok := strings.Cut(f, ` eq "`)
	if !ok || !strings.HasSuffix(rest, `"`) {
		return "", "", false
	}
	return attr, rest[:len(rest)-1], true
}

func loadUsers(ctx context.Context, hs *handshake, users scim.ResourceStore, n int) error {
	hs.IDs = make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		res, err := users.Create(ctx, &scim.Resource{Attributes: fixture.User(i)})
		if err != nil {
			return fmt.Errorf("loading user %d: %w", i, err)
		}
		hs.IDs = append(hs.IDs, res.ID)
	}
	return nil
}

// loadGroups creates the group of smallGroup members and the group of big
// members: the loaded users first, then as many more users as the groups
// need, since members must be resources that exist.
func loadGroups(ctx context.Context, hs *handshake, users, groups scim.ResourceStore, big int) error {
	members := max(big, smallGroup)
	for i := len(hs.IDs); i < members+maxConcurrency; i++ {
		res, err := users.Create(ctx, &scim.Resource{Attributes: fixture.User(i)})
		if err != nil {
			return fmt.Errorf("loading member %d: %w", i, err)
		}
		hs.Members = append(hs.Members, res.ID)
	}
	// The users after the largest group's members are in no group.
	all := append(hs.IDs[:len(hs.IDs):len(hs.IDs)], hs.Members...)
	hs.Candidates = all[members : members+maxConcurrency]
	for _, g := range []struct {
		name string
		n    int
		id   *string
	}{{"Small", smallGroup, &hs.SmallID}, {"Big", big, &hs.BigID}} {
		members := make([]any, g.n)
		for i, id := range memberIDs(hs, g.n) {
			members[i] = map[string]any{"value": id}
		}
		res, err := groups.Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": g.name, "members": members}})
		if err != nil {
			return fmt.Errorf("loading group of %d: %w", g.n, err)
		}
		*g.id = res.ID
	}
	return nil
}

// memberIDs returns the ids of a group of n members: the loaded users'
// first, then the extra members'.
func memberIDs(hs *handshake, n int) []string {
	all := append(hs.IDs[:len(hs.IDs):len(hs.IDs)], hs.Members...)
	return all[:n]
}

// process is a server process seen from the harness.
type process struct {
	kind  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	hs    *handshake
	pid   int
}

// startProcess starts the harness's own binary as a server process and
// waits for its handshake.
func startProcess(ctx context.Context, spec childSpec, stderr io.Writer) (*process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{kind: spec.Kind, cmd: cmd, stdin: stdin, pid: cmd.Process.Pid}
	type result struct {
		hs  *handshake
		err error
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err != nil {
			done <- result{err: fmt.Errorf("%s server process: %w", spec.Kind, err)}
			return
		}
		hs := &handshake{}
		if err := json.Unmarshal(line, hs); err != nil {
			done <- result{err: fmt.Errorf("%s server process: %w", spec.Kind, err)}
			return
		}
		if hs.Err != "" {
			done <- result{err: fmt.Errorf("%s server process: %s", spec.Kind, hs.Err)}
			return
		}
		done <- result{hs: hs}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			p.stop()
			return nil, r.err
		}
		p.hs = r.hs
		return p, nil
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("starting the %s server process: %w", spec.Kind, ctx.Err())
	}
}

// stop closes the process's standard input, which ends it after its
// cleanups, and kills it if it has not ended in 30 seconds.
func (p *process) stop() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// control sends a request to the server process's control listener.
func (p *process) control(ctx context.Context, client *http.Client, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.hs.Control+path, body)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

// profile starts a CPU profile of the server process into the file at
// path, or stops the running one when path is "".
func (p *process) profile(ctx context.Context, client *http.Client, path string) error {
	resp, err := p.control(ctx, client, http.MethodPost, "/profile", strings.NewReader(path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profiling the %s server process: %s", p.kind, strings.TrimSpace(string(msg)))
	}
	return nil
}

// settle has the server process collect its garbage, so that a scenario
// does not pay for the one before it (the deletes that undo a POST round
// leave a heap of garbage that the next collection would sweep).
func (p *process) settle(ctx context.Context, client *http.Client) error {
	resp, err := p.control(ctx, client, http.MethodPost, "/settle", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("settling the %s server process: status %d", p.kind, resp.StatusCode)
	}
	return nil
}

// stats reads the process's CPU time and allocations so far.
func (p *process) stats(ctx context.Context, client *http.Client) (procStats, error) {
	resp, err := p.control(ctx, client, http.MethodGet, "/stats", nil)
	if err != nil {
		return procStats{}, err
	}
	defer resp.Body.Close()
	var st procStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return procStats{}, fmt.Errorf("stats of the %s server process: %w", p.kind, err)
	}
	return st, nil
}

// lockedWriter serialises writes from the harness and the server
// processes' standard error.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
