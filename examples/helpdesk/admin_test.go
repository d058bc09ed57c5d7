package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestCheckAdminAddr(t *testing.T) {
	for _, tc := range []struct {
		addr, password string
		ok             bool
	}{
		{"127.0.0.1:8083", "", true},
		{"[::1]:8083", "", true},
		{"localhost:8083", "", true},
		{"0.0.0.0:8083", "", false},
		{":8083", "", false},
		{"10.0.0.5:8083", "", false},
		{"0.0.0.0:8083", "s3cret", true},
		{"no-port", "s3cret", false},
	} {
		err := checkAdminAddr(tc.addr, tc.password)
		assert.Equal(t, tc.ok, err == nil, "%s %q: %v", tc.addr, tc.password, err)
	}
}

// The admin listener asks for the password when one is set, serves the
// page, and exports the SCIM metrics to Prometheus at /metrics.
func TestAdminHandler(t *testing.T) {
	mp, metrics, err := meterProvider()
	require.NoError(t, err)
	dirs, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithTelemetry(mp, nil), directory.WithServerOptions(scim.WithLogger(quietLogger())))
	require.NoError(t, err)
	defer dirs.Close()
	d, err := dirs.CreateDirectory(context.Background(), "acme")
	require.NoError(t, err)
	tok, _, err := dirs.CreateToken(context.Background(), d.ID, "")
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/acme/v2/Users/nope", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	dirs.ServeHTTP(httptest.NewRecorder(), req)

	h, err := adminHandler(dirs, "https://helpdesk.example.com/scim", "s3cret", metrics)
	require.NoError(t, err)
	get := func(path, user, pass string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		if user != "" {
			r.SetBasicAuth(user, pass)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	st, _ := get("/", "", "")
	assert.Equal(t, http.StatusUnauthorized, st)
	st, _ = get("/", "admin", "wrong")
	assert.Equal(t, http.StatusUnauthorized, st)
	st, body := get("/", "admin", "s3cret")
	assert.Equal(t, http.StatusOK, st)
	assert.Contains(t, body, "acme")
	st, body = get("/metrics", "admin", "s3cret")
	assert.Equal(t, http.StatusOK, st)
	assert.True(t, strings.Contains(body, `scim_requests_total{`) && strings.Contains(body, `scim_directory="acme"`), body)
	assert.Contains(t, body, `scim_errors_total{`)
}

// -admin-addr serves the page on its own listener, and refuses an address
// off loopback without -admin-password before anything starts.
func TestAdminListener(t *testing.T) {
	_, err := adminConfig{addr: "0.0.0.0:0"}.check()
	require.Error(t, err, "no password off loopback")

	dirs, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithServerOptions(scim.WithLogger(quietLogger())))
	require.NoError(t, err)
	defer dirs.Close()
	_, err = dirs.CreateDirectory(context.Background(), "acme")
	require.NoError(t, err)
	cfg := adminConfig{addr: "127.0.0.1:0", password: "s3cret"}
	addr, stop, err := cfg.serve(dirs, "http://127.0.0.1:8082/scim", nil, quietLogger())
	require.NoError(t, err)
	defer stop()
	req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the password is asked for")
	req.SetBasicAuth("admin", "s3cret")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(page), "acme", "the overview lists the directory")

	_, off, err := adminConfig{}.serve(dirs, "", nil, quietLogger())
	require.NoError(t, err, "no -admin-addr, no listener")
	off()
}
