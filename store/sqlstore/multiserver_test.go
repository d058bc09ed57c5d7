package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/sqlstore"
)

// instance is one stateless SCIM server with its own connection pool.
type instance struct {
	url string
}

// do sends a request from the test goroutine, failing the test when it
// cannot be sent.
func (in instance) do(t *testing.T, method, path string, body any, header ...string) (int, map[string]any, http.Header) {
	t.Helper()
	status, doc, h, err := in.try(method, path, body, header...)
	require.NoError(t, err, "%s %s", method, path)
	return status, doc, h
}

// try sends a request and returns what went wrong instead of failing the
// test, for other goroutines than the test's: they report, the test
// goroutine asserts.
func (in instance) try(method, path string, body any, header ...string) (int, map[string]any, http.Header, error) {
	var rd *bytes.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, in.url+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc, resp.Header, nil
}

// instances starts n SCIM servers, each over its own *sql.DB opened by
// open, all over the same tables.
func instances(t *testing.T, n int, d sqlstore.Dialect, prefix string, open func() *sql.DB) []instance {
	var out []instance
	for i := 0; i < n; i++ {
		db := open()
		t.Cleanup(func() { db.Close() })
		store, err := sqlstore.Open(context.Background(), db, d, sqlstore.Options{TablePrefix: prefix})
		require.NoError(t, err)
		srv, err := scim.New(scim.WithUsers(store.Users()), scim.WithGroups(store.Groups()), scim.WithoutAuthentication())
		require.NoError(t, err)
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		out = append(out, instance{url: ts.URL})
	}
	return out
}

// TestSeveralServersOverOneDatabase runs three stateless servers, each
// with its own connection pool, over the same tables, as a scaled-out
// deployment behind a load balancer does, and checks that concurrent
// writes spread across them stay correct: uniqueness, If-Match and
// membership are decided by the database, not by any one process.
func TestSeveralServersOverOneDatabase(t *testing.T) {
	setups := map[string]func(t *testing.T) []instance{
		"SQLite": func(t *testing.T) []instance {
			file := filepath.Join(t.TempDir(), "shared.db")
			return instances(t, 3, sqlstore.SQLite, "scim_", func() *sql.DB {
				db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(file))
				require.NoError(t, err)
				db.SetMaxOpenConns(1)
				return db
			})
		},
		"PostgreSQL": func(t *testing.T) []instance {
			_, _, prefix := openPostgresRaw(t) // skips without a DSN
			dsn := os.Getenv(PostgresEnv)
			return instances(t, 3, sqlstore.Postgres, prefix, func() *sql.DB {
				db, err := sql.Open("pgx", dsn)
				require.NoError(t, err)
				return db
			})
		},
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			servers := setup(t)
			on := func(i int) instance { return servers[i%len(servers)] }

			// Members: 30 users, each added to one group through a different
			// server than the one that created the group.
			status, group, _ := on(0).do(t, "POST", "/Groups", map[string]any{
				"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Staff"})
			require.Equal(t, http.StatusCreated, status)
			gid := group["id"].(string)
			var users []string
			for i := 0; i < 30; i++ {
				status, u, _ := on(i).do(t, "POST", "/Users", map[string]any{
					"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": fmt.Sprintf("member%02d", i)})
				require.Equal(t, http.StatusCreated, status)
				users = append(users, u["id"].(string))
			}
			var wg sync.WaitGroup
			statuses := make([]int, len(users))
			errs := make([]error, len(users))
			for i, id := range users {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i], _, _, errs[i] = on(i+1).try("PATCH", "/Groups/"+gid, map[string]any{
						"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
						"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}})
				}()
			}
			wg.Wait()
			for i := range users {
				if assert.NoError(t, errs[i]) {
					assert.Contains(t, []int{http.StatusOK, http.StatusNoContent}, statuses[i])
				}
			}
			for i := range servers {
				status, g, _ := on(i).do(t, "GET", "/Groups/"+gid, nil)
				require.Equal(t, http.StatusOK, status)
				assert.Len(t, g["members"], len(users), "server %d sees every member", i)
			}

			// Uniqueness: the same userName created through all servers at once.
			codes := make(chan int, 12)
			for i := 0; i < 12; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, _, _, err := on(i).try("POST", "/Users", map[string]any{
						"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "Same.Person"})
					if err != nil {
						status = -1 // counted below as neither outcome
					}
					codes <- status
				}()
			}
			wg.Wait()
			close(codes)
			count := map[int]int{}
			for c := range codes {
				count[c]++
			}
			assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: 11}, count)

			// If-Match: replaces with the same version through different
			// servers; exactly one wins.
			_, u, header := on(0).do(t, "GET", "/Users/"+users[0], nil)
			etag := header.Get("ETag")
			require.NotEmpty(t, etag)
			results := make(chan int, 6)
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, _, _, err := on(i).try("PUT", "/Users/"+users[0], map[string]any{
						"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
						"userName": u["userName"], "displayName": fmt.Sprint("writer ", i)}, "If-Match", etag)
					if err != nil {
						status = -1 // counted below as neither outcome
					}
					results <- status
				}()
			}
			wg.Wait()
			close(results)
			count = map[int]int{}
			for c := range results {
				count[c]++
			}
			assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusPreconditionFailed: 5}, count)
		})
	}
}
