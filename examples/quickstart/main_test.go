package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerServesSCIMUnderPrefix(t *testing.T) {
	for _, db := range []string{"", "sqlite:" + filepath.Join(t.TempDir(), "scim.db")} {
		t.Run("db="+db, func(t *testing.T) { testHandler(t, db) })
	}
	_, _, _, err := openStores(context.Background(), "mysql://x")
	assert.Error(t, err)
}

func testHandler(t *testing.T, db string) {
	users, groups, closeDB, err := openStores(context.Background(), db)
	require.NoError(t, err)
	defer closeDB()
	h, err := newHandler(users, groups, "secret", slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	defer ts.Close()

	get := func(path, token string) int {
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusOK, get("/scim/v2/Users", "secret"))
	assert.Equal(t, http.StatusOK, get("/scim/v2/Groups?filter=displayName%20eq%20%22x%22", "secret"))
	assert.Equal(t, http.StatusOK, get("/scim/v2/ServiceProviderConfig", "secret"))
	assert.Equal(t, http.StatusUnauthorized, get("/scim/v2/Users", "wrong"))
	assert.Equal(t, http.StatusNotFound, get("/Users", "secret"))
}
