package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// faultFixture is a Server over PostgreSQL with a group in a known state,
// and a second connection that can hold locks and end sessions.
type faultFixture struct {
	store  *sqlstore.DB
	srv    *scim.Server
	logs   *bytes.Buffer
	admin  *sql.DB
	prefix string
	group  *scim.Resource
	u1, u2 string
}

func newFaultFixture(t *testing.T) *faultFixture {
	t.Helper()
	store, _, prefix := openPostgresRaw(t)
	admin, err := sql.Open("pgx", os.Getenv(PostgresEnv))
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	f := &faultFixture{store: store, admin: admin, prefix: prefix, logs: &bytes.Buffer{}}
	f.srv, err = scim.New(scim.WithUsers(store.Users()), scim.WithGroups(store.Groups()), scim.WithoutAuthentication(),
		scim.WithLogger(slog.New(slog.NewTextHandler(f.logs, nil))))
	require.NoError(t, err)
	ctx := context.Background()
	for _, name := range []string{"u1", "u2"} {
		u, err := store.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": name}})
		require.NoError(t, err)
		if name == "u1" {
			f.u1 = u.ID
		} else {
			f.u2 = u.ID
		}
	}
	f.group, err = store.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Before",
		"members": []any{map[string]any{"value": f.u1}}}})
	require.NoError(t, err)
	return f
}

// lockMembers holds a row lock on the group's membership rows until the
// returned function is called, so that a write to them waits.
func (f *faultFixture) lockMembers(t *testing.T) func() {
	t.Helper()
	tx, err := f.admin.BeginTx(context.Background(), nil)
	require.NoError(t, err)
	var n int
	require.NoError(t, tx.QueryRow("SELECT count(*) FROM (SELECT 1 FROM "+f.prefix+"members WHERE group_id = $1 FOR UPDATE) locked", f.group.ID).Scan(&n))
	require.Equal(t, 1, n)
	return func() { _ = tx.Rollback() }
}

// waitingBackend returns the process id of the session that waits for a
// lock while running a statement that starts with prefix.
func (f *faultFixture) waitingBackend(t *testing.T, prefix string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var pid int
		err := f.admin.QueryRow(`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 || '%' LIMIT 1`, prefix).Scan(&pid)
		if err == nil {
			return pid
		}
		require.ErrorIs(t, err, sql.ErrNoRows)
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no session waits on %q", prefix)
	return 0
}

// patchInFlight is a PATCH that writes the group row first and then its
// membership rows: renames the group and swaps u1 for u2.
func (f *faultFixture) patchInFlight(ctx context.Context) *http.Request {
	body := fmt.Sprintf(`{"schemas":["%s"],"Operations":[
		{"op":"replace","path":"displayName","value":"After"},
		{"op":"remove","path":"members[value eq \"%s\"]"},
		{"op":"add","path":"members","value":[{"value":"%s"}]}]}`, patch.PatchOpURN, f.u1, f.u2)
	req := httptest.NewRequest("PATCH", "/Groups/"+f.group.ID, strings.NewReader(body)).WithContext(ctx)
	req.Header.Set("Content-Type", scim.ContentType)
	return req
}

// requireUnchanged checks that the group is exactly as before.
func (f *faultFixture) requireUnchanged(t *testing.T) {
	t.Helper()
	got, err := f.store.Groups().Get(context.Background(), f.group.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Before", got.Attributes["displayName"], "the renamed group row was rolled back")
	assert.Equal(t, []string{f.u1}, patch.MemberIDs(got.Attributes), "membership is as before")
	assert.Equal(t, f.group.Meta.Version, got.Meta.Version)
	u2, err := f.store.Users().Get(context.Background(), f.u2, schema.Projection{})
	require.NoError(t, err)
	assert.NotContains(t, u2.Attributes, "groups")
}

// requireServing checks that the Server still applies the same PATCH.
func (f *faultFixture) requireServing(t *testing.T) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, f.patchInFlight(context.Background()))
	require.Equal(t, http.StatusOK, rec.Code, "body: %s", rec.Body)
	got, err := f.store.Groups().Get(context.Background(), f.group.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "After", got.Attributes["displayName"])
	assert.Equal(t, []string{f.u2}, patch.MemberIDs(got.Attributes))
}

func requireGenericError(t *testing.T, rec *httptest.ResponseRecorder, statuses ...int) {
	t.Helper()
	require.Contains(t, statuses, rec.Code, "body: %s", rec.Body)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	assert.Equal(t, []any{scim.ErrorSchemaURN}, doc["schemas"])
	assert.Equal(t, fmt.Sprint(rec.Code), doc["status"])
	for _, leak := range []string{"SQLSTATE", "terminat", "pgx", "postgres", "context", "members"} {
		assert.NotContains(t, strings.ToLower(doc["detail"].(string)), strings.ToLower(leak))
	}
}

// TestFault_ConnectionTerminatedMidTransaction ends the PostgreSQL
// session of a PATCH after it has updated the group row and while it waits
// to change the membership rows: the client gets a generic SCIM error, the
// group is exactly as before, and the Server goes on serving.
func TestFault_ConnectionTerminatedMidTransaction(t *testing.T) {
	f := newFaultFixture(t)
	release := f.lockMembers(t)
	defer release()
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, f.patchInFlight(context.Background()))
		done <- rec
	}()
	pid := f.waitingBackend(t, "DELETE FROM "+f.prefix+"members")
	var ok bool
	require.NoError(t, f.admin.QueryRow("SELECT pg_terminate_backend($1)", pid).Scan(&ok))
	require.True(t, ok)
	var rec *httptest.ResponseRecorder
	select {
	case rec = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the PATCH did not return after its session ended")
	}
	requireGenericError(t, rec, http.StatusInternalServerError, http.StatusServiceUnavailable)
	assert.Contains(t, f.logs.String(), "terminat", "the cause is logged")
	release()
	f.requireUnchanged(t)
	f.requireServing(t)
}

// TestFault_ClientGoneMidTransaction cancels the request of a PATCH while
// its transaction waits for a lock: 503 with a generic detail, nothing
// written, and the Server goes on serving.
func TestFault_ClientGoneMidTransaction(t *testing.T) {
	f := newFaultFixture(t)
	release := f.lockMembers(t)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, f.patchInFlight(ctx))
		done <- rec
	}()
	f.waitingBackend(t, "DELETE FROM "+f.prefix+"members")
	cancel()
	var rec *httptest.ResponseRecorder
	select {
	case rec = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the PATCH did not return after its request was cancelled")
	}
	requireGenericError(t, rec, http.StatusServiceUnavailable)
	release()
	f.requireUnchanged(t)
	f.requireServing(t)
}

// killChildEnv, when set to a table prefix, makes
// TestFault_SIGKILLDuringWriteStorm serve SCIM over those tables instead
// of testing: the test runs its own binary as the server it kills.
const killChildEnv = "SCIM_SQLSTORE_KILL_CHILD"

// serveUntilKilled is the child process: a Server over PostgreSQL on a
// loopback port, printed on stdout, until it is killed (or 30 s pass).
func serveUntilKilled(t *testing.T, prefix string) {
	db, err := sql.Open("pgx", os.Getenv(PostgresEnv))
	require.NoError(t, err)
	store, err := sqlstore.Open(context.Background(), db, sqlstore.Postgres, sqlstore.Options{TablePrefix: prefix})
	require.NoError(t, err)
	srv, err := scim.New(scim.WithUsers(store.Users()), scim.WithGroups(store.Groups()), scim.WithoutAuthentication(),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fmt.Printf("ADDR %s\n", ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	time.Sleep(30 * time.Second)
	os.Exit(3) // never reached when the parent kills the process
}

// TestFault_SIGKILLDuringWriteStorm runs a SCIM server over PostgreSQL in
// a separate process, sends it creates and membership PATCHes from several
// clients, and kills it with SIGKILL in the middle: every write the server
// acknowledged is in the database afterwards.
func TestFault_SIGKILLDuringWriteStorm(t *testing.T) {
	if prefix := os.Getenv(killChildEnv); prefix != "" {
		serveUntilKilled(t, prefix)
		return
	}
	store, _, prefix := openPostgresRaw(t)
	ctx := context.Background()
	group, err := store.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Storm"}})
	require.NoError(t, err)

	cmd := exec.Command(os.Args[0], "-test.run=^TestFault_SIGKILLDuringWriteStorm$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+prefix)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	addr := ""
	for addr == "" && lines.Scan() {
		addr, _ = strings.CutPrefix(lines.Text(), "ADDR ")
	}
	require.NotEmpty(t, addr, "the child printed its address")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	base := "http://" + addr

	type ack struct{ userName, id string }
	var mu sync.Mutex
	var created []ack
	var memberAdds []string // ids whose membership PATCH was acknowledged
	attempts := 0
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("storm-%d-%d", w, i)
				mu.Lock()
				attempts++
				mu.Unlock()
				res, err := client.Post(base+"/Users", scim.ContentType, strings.NewReader(
					`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`"}`))
				if err != nil {
					return // the server is gone
				}
				var doc map[string]any
				_ = json.NewDecoder(res.Body).Decode(&doc)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					continue
				}
				id, _ := doc["id"].(string)
				mu.Lock()
				created = append(created, ack{name, id})
				mu.Unlock()
				req, _ := http.NewRequest("PATCH", base+"/Groups/"+group.ID, strings.NewReader(fmt.Sprintf(
					`{"schemas":["%s"],"Operations":[{"op":"add","path":"members","value":[{"value":"%s"}]}]}`, patch.PatchOpURN, id)))
				req.Header.Set("Content-Type", scim.ContentType)
				res, err = client.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusNoContent {
					mu.Lock()
					memberAdds = append(memberAdds, id)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Let the storm run, then kill the server in the middle of it.
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(memberAdds)
		mu.Unlock()
		if n >= 30 && time.Now().After(deadline.Add(-time.Second)) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL
	close(stop)
	wg.Wait()
	_ = cmd.Wait()

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, created, "the server acknowledged writes before it was killed")
	t.Logf("%d creates and %d member adds acknowledged of %d attempts", len(created), len(memberAdds), attempts)
	for _, a := range created {
		got, err := store.Users().Get(ctx, a.id, schema.Projection{})
		if assert.NoError(t, err, "acknowledged create of %s is lost", a.userName) {
			assert.Equal(t, a.userName, got.Attributes["userName"])
		}
	}
	g, err := store.Groups().Get(ctx, group.ID, schema.Projection{})
	require.NoError(t, err)
	members := map[string]bool{}
	for _, id := range patch.MemberIDs(g.Attributes) {
		members[id] = true
	}
	for _, id := range memberAdds {
		assert.True(t, members[id], "acknowledged member add of %s is lost", id)
	}
	all, err := store.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 1})
	require.NoError(t, err, "every stored row still reads")
	assert.LessOrEqual(t, all.TotalResults, attempts, "nothing was written that no client sent")
	assert.GreaterOrEqual(t, all.TotalResults, len(created))
}
