package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/examples/internal/boot"
	"github.com/scimkit/scim/examples/internal/replay"
	"github.com/scimkit/scim/examples/internal/scimtest"
)

const token = "test-token"

// newTestApp opens a fresh database and returns it with the app's handler.
func newTestApp(t *testing.T, onDelete string) (*sql.DB, http.Handler) {
	t.Helper()
	db, err := boot.SQLite(context.Background(), filepath.Join(t.TempDir(), "lms.db"), tables)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	h, err := newApp(db, onDelete, token, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return db, h
}

// userRow is a row of the LMS's users table.
type userRow struct {
	ID                          int64
	SCIMID                      string
	First, Last, Display, Email string
	Status, ExternalRef         string
	Deprovisioned               sql.NullString
	Enrolments                  int
}

// findUser reads the LMS's own row for a username, whatever SCIM sees.
func findUser(t *testing.T, db *sql.DB, username string) (userRow, bool) {
	t.Helper()
	var u userRow
	err := db.QueryRow(`SELECT id, scim_id, coalesce(first_name, ''), coalesce(last_name, ''), coalesce(display_name, ''),
		coalesce(email, ''), CASE WHEN coalesce(active, 1) THEN 'active' ELSE 'inactive' END, coalesce(external_ref, ''), deprovisioned_at,
		(SELECT COUNT(*) FROM enrolments e WHERE e.user_id = users.id) FROM users WHERE username = ?`, username).
		Scan(&u.ID, &u.SCIMID, &u.First, &u.Last, &u.Display, &u.Email, &u.Status, &u.ExternalRef, &u.Deprovisioned, &u.Enrolments)
	if err == sql.ErrNoRows {
		return u, false
	}
	require.NoError(t, err)
	return u, true
}

func countRows(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(query, args...).Scan(&n))
	return n
}

func TestEntraIDReplay(t *testing.T) {
	tests := []struct {
		onDelete string
		check    func(t *testing.T, db *sql.DB, id string)
	}{
		{"deactivate", func(t *testing.T, db *sql.DB, id string) {
			u, ok := findUser(t, db, "Adele.Vance@contoso.example")
			require.True(t, ok, "deactivate keeps the learner's row")
			assert.Equal(t, id, u.SCIMID)
			assert.Equal(t, "inactive", u.Status)
			assert.True(t, u.Deprovisioned.Valid, "the row is marked as removed by SCIM")
			assert.Equal(t, "Adèle", u.First)
			assert.Equal(t, "Vance-Jones", u.Last)
			assert.Equal(t, "Adèle Vance-Jones", u.Display)
			assert.Equal(t, "adele.vance@fabrikam.example", u.Email)
			assert.Equal(t, "4f2d6b1e-07c3-4e9a-a0f1-8c2b5d9e3a71", u.ExternalRef)
			assert.Equal(t, 1, u.Enrolments, "the enrolment history is kept")
		}},
		{"delete", func(t *testing.T, db *sql.DB, id string) {
			_, ok := findUser(t, db, "Adele.Vance@contoso.example")
			assert.False(t, ok, "delete removes the learner's row")
			assert.Equal(t, 0, countRows(t, db, "SELECT COUNT(*) FROM enrolments"), "and their enrolments")
			assert.Equal(t, 0, countRows(t, db, "SELECT COUNT(*) FROM users"))
		}},
	}
	for _, tt := range tests {
		t.Run("on-delete="+tt.onDelete, func(t *testing.T) {
			db, h := newTestApp(t, tt.onDelete)
			vars := replay.Run(t, h, "testdata/entra-users.json", map[string]string{"token": token})
			tt.check(t, db, vars["user"])
		})
	}
}

func TestOktaReplay(t *testing.T) {
	for _, onDelete := range []string{"deactivate", "delete"} {
		t.Run("on-delete="+onDelete, func(t *testing.T) {
			db, h := newTestApp(t, onDelete)
			vars := replay.Run(t, h, "testdata/okta-users.json", map[string]string{"token": token})
			u, ok := findUser(t, db, "dana.lee@example.org")
			require.True(t, ok)
			assert.Equal(t, vars["user"], u.SCIMID)
			assert.Equal(t, "inactive", u.Status, "deactivated by the last PUT")
			assert.False(t, u.Deprovisioned.Valid, "Okta deactivates, it does not delete")
			assert.Equal(t, "Lee-Park", u.Last)
			assert.Equal(t, "dana.leepark@example.org", u.Email)
			assert.Equal(t, "00u1b2c3d4E5f6G7h8i9", u.ExternalRef)
			assert.Equal(t, 1, u.Enrolments, "enrolled once, while active")
		})
	}
}

// do sends a request to h with the SCIM token and decodes the JSON answer.
func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	return scimtest.Do(t, h, token, method, path, body)
}

func createUser(t *testing.T, h http.Handler, userName, given, family string, active bool) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName, "name": map[string]any{"givenName": given, "familyName": family}, "active": active})
	require.NoError(t, err)
	code, doc := do(t, h, "POST", "/scim/v2/Users", string(body))
	require.Equal(t, http.StatusCreated, code, doc)
	return doc["id"].(string)
}

func TestListFiltersSortsAndPagesInSQL(t *testing.T) {
	_, h := newTestApp(t, "deactivate")
	createUser(t, h, "carol", "Carol", "Zeta", true)
	bob := createUser(t, h, "bob", "Bob", "Young", false)
	createUser(t, h, "alice", "Alice", "Xu", true)

	names := func(doc map[string]any) []string {
		out := []string{}
		for _, r := range doc["Resources"].([]any) {
			out = append(out, r.(map[string]any)["userName"].(string))
		}
		return out
	}
	tests := []struct {
		query string
		total float64
		want  []string
	}{
		{"", 3, []string{"carol", "bob", "alice"}},
		{"?filter=active+eq+true&sortBy=userName", 2, []string{"alice", "carol"}},
		{"?filter=name.familyName+sw+%22y%22", 1, []string{"bob"}},
		{"?filter=id+eq+%22" + bob + "%22", 1, []string{"bob"}},
		{"?sortBy=name.givenName&sortOrder=descending&startIndex=2&count=1", 3, []string{"bob"}},
		{"?count=0", 3, []string{}},
		{"?filter=USERNAME+eq+%22ALICE%22+or+userName+eq+%22nobody%22", 1, []string{"alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, doc := do(t, h, "GET", "/scim/v2/Users"+tt.query, "")
			require.Equal(t, http.StatusOK, code, doc)
			assert.Equal(t, tt.total, doc["totalResults"])
			assert.Equal(t, tt.want, names(doc))
		})
	}
}

func TestUnmappableAttributesAreClientErrors(t *testing.T) {
	_, h := newTestApp(t, "deactivate")
	tests := []struct {
		query, scimType, detail string
	}{
		{"?filter=emails%5Btype+eq+%22work%22%5D", "invalidFilter", "emails"},
		{"?sortBy=title", "invalidPath", "title"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, doc := do(t, h, "GET", "/scim/v2/Users"+tt.query, "")
			assert.Equal(t, http.StatusBadRequest, code)
			assert.Equal(t, tt.scimType, doc["scimType"])
			assert.Contains(t, doc["detail"], tt.detail)
		})
	}
}

func TestDeactivatedUserCanBeProvisionedAgain(t *testing.T) {
	db, h := newTestApp(t, "deactivate")
	old := createUser(t, h, "eve", "Eve", "Old", true)
	code, _ := do(t, h, "DELETE", "/scim/v2/Users/"+old, "")
	require.Equal(t, http.StatusNoContent, code)
	code, _ = do(t, h, "GET", "/scim/v2/Users/"+old, "")
	assert.Equal(t, http.StatusNotFound, code)
	code, doc := do(t, h, "PUT", "/scim/v2/Users/"+old, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "eve"}`)
	assert.Equal(t, http.StatusNotFound, code, doc)

	again := createUser(t, h, "eve", "Eve", "New", true)
	assert.NotEqual(t, old, again)
	assert.Equal(t, 2, countRows(t, db, "SELECT COUNT(*) FROM users WHERE username = 'eve'"))
	assert.Equal(t, 1, countRows(t, db, "SELECT COUNT(*) FROM users WHERE username = 'eve' AND coalesce(active, 1)"))
}

func TestIfMatch(t *testing.T) {
	_, h := newTestApp(t, "delete")
	id := createUser(t, h, "frank", "Frank", "F", true)
	del := func(etag string) int {
		req := httptest.NewRequest("DELETE", "/scim/v2/Users/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("If-Match", etag)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	assert.Equal(t, http.StatusPreconditionFailed, del(`W/"9"`))
	assert.Equal(t, http.StatusNoContent, del(`W/"1"`))
	assert.Equal(t, http.StatusNotFound, del(`W/"1"`))
}

func TestOwnAPI(t *testing.T) {
	_, h := newTestApp(t, "deactivate")
	id := createUser(t, h, "gina", "Gina", "G", true)
	call := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	code, _ := call("POST", "/api/courses", `{"code": "ART100", "title": "Drawing"}`)
	assert.Equal(t, http.StatusCreated, code)
	code, _ = call("POST", "/api/courses", `{"code": "ART100", "title": "Drawing"}`)
	assert.Equal(t, http.StatusConflict, code)
	code, _ = call("POST", "/api/enrolments", `{"userId": "`+id+`", "course": "ART100"}`)
	assert.Equal(t, http.StatusCreated, code)
	code, _ = call("POST", "/api/enrolments", `{"userId": 999, "course": "ART100"}`)
	assert.Equal(t, http.StatusNotFound, code)

	code, body := call("GET", "/api/courses/ART100/learners", "")
	require.Equal(t, http.StatusOK, code)
	var learners []learner
	require.NoError(t, json.Unmarshal([]byte(body), &learners))
	require.Len(t, learners, 1)
	assert.Equal(t, "gina", learners[0].Username)

	code, body = call("GET", "/api/courses", "")
	require.Equal(t, http.StatusOK, code)
	var courses []course
	require.NoError(t, json.Unmarshal([]byte(body), &courses))
	require.Len(t, courses, 4)
	assert.Equal(t, course{Code: "ART100", Title: "Drawing", Enrolled: 1, Active: 1}, courses[0])

	code, _ = call("GET", "/api/users", "")
	assert.Equal(t, http.StatusOK, code)
	code, _ = call("GET", "/scim/v2/Users", "")
	assert.Equal(t, http.StatusUnauthorized, code, "SCIM needs the token")
}

func TestConfiguration(t *testing.T) {
	db, err := boot.SQLite(context.Background(), filepath.Join(t.TempDir(), "lms.db"), tables)
	require.NoError(t, err)
	defer db.Close()
	_, err = newApp(db, "archive", token, slog.Default())
	assert.ErrorContains(t, err, "-on-delete")
}
