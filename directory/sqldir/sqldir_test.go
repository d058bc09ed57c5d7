package sqldir_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/directory/directorytest"
	"github.com/scimkit/scim/directory/sqldir"
	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/store/sqlstore"
)

// database is an empty database: tables go under prefix.
type database struct {
	db     *sql.DB
	d      sqlstore.Dialect
	prefix string
}

func openSQLite(t testing.TB) database {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "dir.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return database{db: db, d: sqlstore.SQLite, prefix: "scim_"}
}

func openPostgres(t testing.TB) database {
	t.Helper()
	db, prefix := pgtest.Open(t)
	return database{db: db, d: sqlstore.Postgres, prefix: prefix}
}

func databases() map[string]func(testing.TB) database {
	return map[string]func(testing.TB) database{"SQLite": openSQLite, "PostgreSQL": openPostgres}
}

func TestRegistry(t *testing.T) {
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			directorytest.RunRegistry(t, func(t *testing.T) directory.Registry {
				db := open(t)
				reg, err := sqldir.NewRegistry(context.Background(), db.db, db.d, sqldir.Options{TablePrefix: db.prefix})
				require.NoError(t, err)
				return reg
			})
		})
	}
}

func TestLog(t *testing.T) {
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			directorytest.RunLog(t, func(t *testing.T, now func() time.Time) directory.Log {
				db := open(t)
				l, err := sqldir.NewLog(context.Background(), db.db, db.d, sqldir.LogOptions{TablePrefix: db.prefix, Size: 100, Now: now})
				require.NoError(t, err)
				return l
			})
		})
	}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func rowsOf(t *testing.T, db database, dir string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM " + db.prefix + "request_log WHERE dir = ?"
	if db.d == sqlstore.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	require.NoError(t, db.db.QueryRow(q, dir).Scan(&n))
	return n
}

// TestLogBound: a directory's log never answers more than Size entries
// nor older than MaxAge, and its rows are trimmed once every TrimEvery
// appends, not on each.
func TestLogBound(t *testing.T) {
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			now := t0
			l, err := sqldir.NewLog(ctx, db.db, db.d, sqldir.LogOptions{TablePrefix: db.prefix, Size: 10, TrimEvery: 5,
				MaxAge: time.Hour, Now: func() time.Time { return now }})
			require.NoError(t, err)
			appendN := func(dir string, n int, at time.Time) {
				for i := range n {
					require.NoError(t, l.Append(ctx, directory.Entry{DirectoryID: dir, Time: at, Method: "GET", Path: fmt.Sprintf("/Users/%d", i), Status: 200}))
				}
			}
			appendN("a", 14, t0)
			appendN("b", 3, t0)
			tests := []struct {
				name          string
				rows, queried int
			}{
				{"after 14 appends: trimmed at the 10th, 4 since", 14, 10},
				{"one more: the 15th trims", 10, 10},
			}
			for i, tt := range tests {
				if i == 1 {
					appendN("a", 1, t0)
				}
				got, err := l.Query(ctx, "a", directory.LogQuery{Limit: 100})
				require.NoError(t, err)
				assert.Len(t, got, tt.queried, tt.name)
				assert.Equal(t, tt.rows, rowsOf(t, db, "a"), tt.name)
			}
			got, err := l.Query(ctx, "a", directory.LogQuery{Limit: 100})
			require.NoError(t, err)
			assert.Equal(t, "/Users/0", got[0].Path, "the newest first")
			assert.Len(t, mustQuery(t, l, "b"), 3, "another directory's bound is its own")

			now = t0.Add(90 * time.Minute)
			appendN("a", 2, now)
			assert.Len(t, mustQuery(t, l, "a"), 2, "entries older than MaxAge are not answered")
			require.NoError(t, l.Trim(ctx, "a"))
			assert.Equal(t, 2, rowsOf(t, db, "a"), "and trimmed")
		})
	}
}

func mustQuery(t *testing.T, l directory.Log, dir string) []directory.Entry {
	t.Helper()
	got, err := l.Query(context.Background(), dir, directory.LogQuery{Limit: 100})
	require.NoError(t, err)
	return got
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// instance is one server of several over one database.
type instance struct {
	h   *directory.Handler
	mux *http.ServeMux
}

func newInstance(t *testing.T, db database, store *sqlstore.DB) instance {
	t.Helper()
	ctx := context.Background()
	reg, err := sqldir.NewRegistry(ctx, db.db, db.d, sqldir.Options{TablePrefix: db.prefix})
	require.NoError(t, err)
	l, err := sqldir.NewLog(ctx, db.db, db.d, sqldir.LogOptions{TablePrefix: db.prefix})
	require.NoError(t, err)
	h, err := directory.New(reg, sqldir.NewBackend(store), directory.WithLog(l), directory.WithLogger(quiet()),
		directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", h))
	return instance{h: h, mux: mux}
}

func (in instance) do(method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	in.mux.ServeHTTP(rec, req)
	return rec
}

// TestTwoInstancesShareDirectories: two Handlers over one database; what
// one does to directories and tokens the other sees on the next request,
// and the same userName lives in two directories. Tokens are at rest as
// hashes only.
func TestTwoInstancesShareDirectories(t *testing.T) {
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			store, err := sqlstore.Open(ctx, db.db, db.d, sqlstore.Options{TablePrefix: db.prefix})
			require.NoError(t, err)
			one, two := newInstance(t, db, store), newInstance(t, db, store)

			acme, err := one.h.CreateDirectory(ctx, "acme")
			require.NoError(t, err)
			bolt, err := one.h.CreateDirectory(ctx, "bolt")
			require.NoError(t, err)
			tokA, recA, err := one.h.CreateToken(ctx, acme.ID, "entra")
			require.NoError(t, err)
			tokB, _, err := one.h.CreateToken(ctx, bolt.ID, "okta")
			require.NoError(t, err)

			user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`
			steps := []struct {
				name         string
				in           instance
				method, path string
				token, body  string
				status       int
			}{
				{"create in acme", one, "POST", "/scim/acme/v2/Users", tokA, user, http.StatusCreated},
				{"same userName in bolt, through the other instance", two, "POST", "/scim/bolt/v2/Users", tokB, user, http.StatusCreated},
				{"same userName again in acme", two, "POST", "/scim/acme/v2/Users", tokA, user, http.StatusConflict},
				{"acme's token on bolt's URL", two, "GET", "/scim/bolt/v2/Users", tokA, "", http.StatusUnauthorized},
				{"filter in acme", two, "GET", `/scim/acme/v2/Users?filter=userName+eq+"bjensen"`, tokA, "", http.StatusOK},
			}
			for _, st := range steps {
				rec := st.in.do(st.method, st.path, st.token, st.body)
				assert.Equal(t, st.status, rec.Code, "%s: %s", st.name, rec.Body)
			}

			require.NoError(t, one.h.RevokeToken(ctx, acme.ID, recA.ID))
			assert.Equal(t, http.StatusUnauthorized, two.do("GET", "/scim/acme/v2/Users", tokA, "").Code,
				"a token revoked through one instance is refused by the other on the next request")

			var stored int
			q := "SELECT COUNT(*) FROM " + db.prefix + "tokens"
			require.NoError(t, db.db.QueryRow(q).Scan(&stored))
			assert.Equal(t, 1, stored)
			rows, err := db.db.Query("SELECT id, dir, label, hash FROM " + db.prefix + "tokens")
			require.NoError(t, err)
			defer rows.Close()
			for rows.Next() {
				var id, dir, label string
				var hash []byte
				require.NoError(t, rows.Scan(&id, &dir, &label, &hash))
				for _, col := range []string{id, dir, label, string(hash)} {
					assert.NotContains(t, col, tokB[len(directory.TokenPrefix)+17:], "no column holds the token's secret")
				}
				want := directory.HashToken(tokB)
				assert.Equal(t, want[:], hash, "the token is kept as its SHA-256 hash")
			}
			require.NoError(t, rows.Err())

			require.NoError(t, one.h.FlushLog(ctx))
			require.NoError(t, two.h.FlushLog(ctx))
			entries, err := one.h.QueryLog(ctx, acme.ID, directory.LogQuery{})
			require.NoError(t, err)
			var lines []string
			for _, e := range entries {
				lines = append(lines, fmt.Sprintf("%s %s %d", e.Method, e.Path, e.Status))
			}
			assert.Contains(t, lines, "POST /Users 409", "the log of acme holds the requests of both instances")
			assert.Contains(t, lines, "POST /Users 201")

			require.NoError(t, two.h.DeleteDirectory(ctx, bolt.ID))
			assert.Equal(t, http.StatusUnauthorized, one.do("GET", "/scim/bolt/v2/Users", tokB, "").Code)
			users, _ := store.Directory(bolt.ID)
			page, err := users.List(ctx, &scim.Query{Count: 10})
			require.NoError(t, err)
			assert.Zero(t, page.TotalResults, "deleting a directory deletes its data")
		})
	}
}
