package directory_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

const userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"

// env is a Handler mounted at /scim/ on a mux, with its registry, backend
// and log (in memory unless newEnvOn is given others).
type env struct {
	h   *directory.Handler
	mux *http.ServeMux
	log directory.Log
	reg directory.Registry
	be  directory.Backend
}

// storage is where a Handler keeps directories, tokens, data and log.
type storage struct {
	reg directory.Registry
	be  directory.Backend
	log directory.Log
}

// storages returns how to make each storage the isolation tests run on:
// memory, and the SQL ones of sqlstorage_test.go.
func storages() map[string]func(t testing.TB) storage {
	return map[string]func(t testing.TB) storage{
		"memory": func(testing.TB) storage {
			return storage{directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
				directory.NewMemoryLog(directory.MemoryLogOptions{Size: 1000})}
		},
		"SQLite":     sqliteStorage,
		"PostgreSQL": postgresStorage,
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, opts ...directory.Option) *env {
	t.Helper()
	return newEnvOn(t, storages()["memory"](t), opts...)
}

func newEnvOn(t testing.TB, st storage, opts ...directory.Option) *env {
	t.Helper()
	e := &env{reg: st.reg, be: st.be, log: st.log}
	base := []directory.Option{directory.WithLog(e.log), directory.WithLogger(quiet()),
		directory.WithServerOptions(scim.WithLogger(quiet()))}
	h, err := directory.New(e.reg, e.be, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	e.h = h
	e.mux = http.NewServeMux()
	e.mux.Handle("/scim/", http.StripPrefix("/scim", h))
	return e
}

// dir creates a directory and one token for it.
func (e *env) dir(t testing.TB, name string) (directory.Directory, string) {
	t.Helper()
	d, err := e.h.CreateDirectory(context.Background(), name)
	require.NoError(t, err)
	tok, _, err := e.h.CreateToken(context.Background(), d.ID, "entra")
	require.NoError(t, err)
	return d, tok
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request through the mux; it is safe to call from any
// goroutine.
func (e *env) do(method, path, token, body string) response {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	req.Header.Set("User-Agent", "test-idp/1.0")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &res.body)
	return res
}

func (e *env) flush(t testing.TB) {
	t.Helper()
	require.NoError(t, e.h.FlushLog(context.Background()))
}

func str(v any) string { s, _ := v.(string); return s }

func userBody(userName string) string {
	return `{"schemas":["` + userSchema + `"],"userName":"` + userName + `","password":"Secr3t-` + userName + `","active":true}`
}

func newRequest(method, path, token string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func serve(e *env, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec
}

func serveWith(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
