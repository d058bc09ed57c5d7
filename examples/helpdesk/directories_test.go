package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/examples/internal/boot"
)

// command runs "helpdesk -db file ARGS..." in process and returns its
// standard output.
func command(t *testing.T, file string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	ran, err := runCommand(context.Background(), file, args, &out)
	require.True(t, ran, "%v is a command", args)
	return out.String(), err
}

// lastLine returns the last line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func scimRequest(h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const bjensen = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`

// TestDirectoriesCommands: add prints a token alone on its last line,
// rotate a second one, revoke stops the first, and bad command lines are
// refused with a message.
func TestDirectoriesCommands(t *testing.T) {
	file := filepath.Join(t.TempDir(), "helpdesk.db")
	out, err := command(t, file, "directories", "add", "acme")
	require.NoError(t, err)
	first := lastLine(out)
	assert.True(t, strings.HasPrefix(first, directory.TokenPrefix), "the token alone on the last line: %q", out)
	assert.Contains(t, out, "/scim/acme/v2/")
	out, err = command(t, file, "directories", "rotate", "acme")
	require.NoError(t, err)
	second := lastLine(out)
	assert.True(t, strings.HasPrefix(second, directory.TokenPrefix))
	assert.NotEqual(t, first, second)

	db, err := boot.SQLite(context.Background(), file, tables)
	require.NoError(t, err)
	defer db.Close()
	a, h, err := newApp(db, token, quietLogger())
	require.NoError(t, err)
	defer a.dirs.Close()
	for _, tok := range []string{first, second} {
		assert.Equal(t, http.StatusOK, scimRequest(h, "GET", "/scim/acme/v2/Users", tok, "").Code, "both tokens work during rotation")
	}
	firstID := first[len(directory.TokenPrefix) : len(directory.TokenPrefix)+16]
	assert.Contains(t, out, "token id ", "rotate names the new token")
	_, err = command(t, file, "directories", "revoke", "acme", firstID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, scimRequest(h, "GET", "/scim/acme/v2/Users", first, "").Code, "a revoked token is refused")
	assert.Equal(t, http.StatusOK, scimRequest(h, "GET", "/scim/acme/v2/Users", second, "").Code)

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"directories"}, "usage"},
		{"unknown subcommand", []string{"directories", "list"}, "usage"},
		{"missing token id", []string{"directories", "revoke", "acme"}, "usage"},
		{"reserved name", []string{"directories", "add", "v2"}, "reserved"},
		{"taken name", []string{"directories", "add", "acme"}, "taken"},
		{"unknown directory", []string{"directories", "rotate", "nope"}, "nope"},
		{"unknown token", []string{"directories", "revoke", "acme", "nope"}, "nope"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := command(t, file, tt.args...)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
	ran, err := runCommand(context.Background(), file, nil, &bytes.Buffer{})
	assert.False(t, ran, "no arguments: the server runs")
	assert.NoError(t, err)
}

// TestDirectoriesEndToEnd: the default directory keeps /scim/v2/ and
// SCIM_TOKEN; a directory added from the command line is served at its
// URL with its token; the same userName lives in the default directory and
// in two others, in the helpdesk's own users table; a token opens its own
// directory only; the log command shows the directory's requests.
func TestDirectoriesEndToEnd(t *testing.T) {
	file := filepath.Join(t.TempDir(), "helpdesk.db")
	tokens := map[string]string{}
	for _, name := range []string{"acme", "bolt"} {
		out, err := command(t, file, "directories", "add", name)
		require.NoError(t, err)
		tokens[name] = lastLine(out)
	}
	db, err := boot.SQLite(context.Background(), file, tables)
	require.NoError(t, err)
	defer db.Close()
	a, h, err := newApp(db, token, quietLogger())
	require.NoError(t, err)
	defer a.dirs.Close()

	steps := []struct {
		name              string
		method, path, tok string
		body              string
		status            int
	}{
		{"default directory", "POST", "/scim/v2/Users", token, bjensen, http.StatusCreated},
		{"acme", "POST", "/scim/acme/v2/Users", tokens["acme"], bjensen, http.StatusCreated},
		{"bolt, same userName", "POST", "/scim/bolt/v2/Users", tokens["bolt"], bjensen, http.StatusCreated},
		{"acme again", "POST", "/scim/acme/v2/Users", tokens["acme"], bjensen, http.StatusConflict},
		{"acme's token on bolt", "GET", "/scim/bolt/v2/Users", tokens["acme"], "", http.StatusUnauthorized},
		{"SCIM_TOKEN on acme", "GET", "/scim/acme/v2/Users", token, "", http.StatusUnauthorized},
		{"acme's token on the default directory", "GET", "/scim/v2/Users", tokens["acme"], "", http.StatusUnauthorized},
		{"filter in acme", "GET", `/scim/acme/v2/Users?filter=userName+eq+"bjensen"`, tokens["acme"], "", http.StatusOK},
		{"unknown id in acme", "GET", "/scim/acme/v2/Users/nope", tokens["acme"], "", http.StatusNotFound},
	}
	for _, st := range steps {
		rec := scimRequest(h, st.method, st.path, st.tok, st.body)
		assert.Equal(t, st.status, rec.Code, "%s: %s", st.name, rec.Body)
		if st.name == "filter in acme" {
			assert.Contains(t, rec.Body.String(), `"totalResults":1`, "one bjensen in acme")
		}
	}
	assert.Equal(t, 3, count(t, db, "SELECT COUNT(*) FROM users WHERE username = 'bjensen'"), "one row per directory")
	assert.Equal(t, 3, count(t, db, "SELECT COUNT(DISTINCT directory) FROM users WHERE username = 'bjensen'"))

	require.NoError(t, a.dirs.FlushLog(context.Background()))
	out, err := command(t, file, "directories", "log", "acme")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"POST /Users 201", "POST /Users 409 uniqueness", "GET /Users 401", `GET /Users?filter=userName+eq+"bjensen" 200`, "GET /Users/nope 404"}
	require.Len(t, lines, len(want), out)
	for i, w := range want {
		assert.Contains(t, lines[i], w, "line %d of the log, oldest first", i)
	}
}
