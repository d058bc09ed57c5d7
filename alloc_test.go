package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// discardWriter is an http.ResponseWriter that keeps its header map and
// the status between requests and drops the body, so that serving a
// request through it allocates only what the library allocates.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) { w.status = status }

func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.status, w.n = 0, 0
}

// Allocation budgets per request of the reads of every sync cycle, served
// by ServeHTTP over the memory store with a bearer token. A request and a
// response writer are reused, so the count is the library's own: routing,
// authentication, the store's read and the response written from the
// resource's encoded JSON (its headers included). The first request of a
// resource encodes it and is left out, as every later read of the same
// version reuses that encoding.
func TestAllocationBudgets(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()),
		scim.WithBearerToken("idp", "token"), scim.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	var ids []string
	for i := range 100 {
		u, err := db.Users().Create(context.Background(), &scim.Resource{Attributes: fixture.User(i)})
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	tests := []struct {
		name   string
		target string
		budget float64
	}{
		{"GET /Users/{id}", "/Users/" + ids[42], 10},
		{"userName eq", "/Users?filter=" + url.QueryEscape(`userName eq "USER0000042@example.com"`), 28},
		{"externalId eq", "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`externalId eq %q`, fixture.User(42)["externalId"])), 28},
		{"list count=100", "/Users?startIndex=1&count=100", 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("Authorization", "Bearer token")
			w := &discardWriter{header: http.Header{}}
			srv.ServeHTTP(w, req)
			require.Equal(t, http.StatusOK, w.status)
			allocs := testing.AllocsPerRun(200, func() {
				w.reset()
				srv.ServeHTTP(w, req)
			})
			assert.Equal(t, http.StatusOK, w.status)
			assert.LessOrEqual(t, allocs, tt.budget, "allocations per request")
			t.Logf("%s: %.0f allocations per request", tt.name, allocs)
		})
	}
}

// body is a request body that can be read again, so that a request is
// reused between the runs of an allocation count.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

// Allocation budgets per request of the writes of every sync cycle,
// served by ServeHTTP over the memory store as TestAllocationBudgets
// serves the reads: a request and a response writer are reused, and the
// body is read again from the same bytes. One member added or removed
// costs the same whatever the size of the group. The budgets leave a few
// allocations of room over what was measured (the race detector's runs
// differ by one or two): they catch a regression, not a single allocation.
func TestWriteAllocationBudgets(t *testing.T) {
	ctx := context.Background()
	newServer := func(t *testing.T) (*memory.DB, *scim.Server) {
		db := memory.New()
		srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()),
			scim.WithBearerToken("idp", "token"), scim.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		return db, srv
	}
	// serve sends bodies in turn through one request, warmup times and
	// then runs times, and returns the allocations per request of the
	// latter.
	serve := func(t *testing.T, srv *scim.Server, method, target string, want, warmup, runs int, bodies ...[]byte) float64 {
		b := &body{}
		req := httptest.NewRequest(method, target, nil)
		req.Header.Set("Authorization", "Bearer token")
		req.Header.Set("Content-Type", scim.ContentType)
		req.Body = b
		w := &discardWriter{header: http.Header{}}
		i := 0
		run := func() {
			b.Reset(bodies[i%len(bodies)])
			i++
			req.ContentLength = int64(b.Len())
			w.reset()
			srv.ServeHTTP(w, req)
		}
		for range warmup {
			run()
			require.Equal(t, want, w.status)
		}
		allocs := testing.AllocsPerRun(runs, run)
		assert.Equal(t, want, w.status)
		return allocs
	}

	t.Run("member add and remove", func(t *testing.T) {
		for _, n := range []int{100, 10000} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				db, srv := newServer(t)
				members := make([]any, n)
				for i := range members {
					u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprint("member-", i)}})
					require.NoError(t, err)
					members[i] = map[string]any{"value": u.ID}
				}
				u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "new"}})
				require.NoError(t, err)
				g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Big", "members": members}})
				require.NoError(t, err)
				add := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + u.ID + `"}]}]}`)
				remove := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + u.ID + `\"]"}]}`)
				allocs := serve(t, srv, http.MethodPatch, "/Groups/"+g.ID, http.StatusNoContent, 4, 200, add, remove)
				assert.LessOrEqual(t, allocs, 46.0, "allocations per member add or remove")
				t.Logf("%d members: %.0f allocations per member add or remove", n, allocs)
			})
		}
	})

	t.Run("POST /Users", func(t *testing.T) {
		_, srv := newServer(t)
		posted := make([][]byte, 210)
		for i := range posted {
			attrs := fixture.User(i)
			attrs["schemas"] = []any{schema.UserSchemaURN, schema.EnterpriseUserSchemaURN}
			b, err := json.Marshal(attrs)
			require.NoError(t, err)
			posted[i] = b
		}
		// Each request posts a user not posted before.
		allocs := serve(t, srv, http.MethodPost, "/Users", http.StatusCreated, 2, 200, posted...)
		assert.LessOrEqual(t, allocs, 98.0, "allocations per POST")
		t.Logf("POST /Users: %.0f allocations per request", allocs)
	})

	t.Run("PATCH active", func(t *testing.T) {
		const op = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`
		tests := []struct {
			name    string
			off, on string
			budget  float64
		}{
			{"Entra", `{"op":"Replace","path":"active","value":"False"}`, `{"op":"Replace","path":"active","value":"True"}`, 32},
			{"RFC", `{"op":"replace","path":"active","value":false}`, `{"op":"replace","path":"active","value":true}`, 32},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db, srv := newServer(t)
				u, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(7)})
				require.NoError(t, err)
				allocs := serve(t, srv, http.MethodPatch, "/Users/"+u.ID, http.StatusOK, 4, 200,
					[]byte(op+tt.off+"]}"), []byte(op+tt.on+"]}"))
				assert.LessOrEqual(t, allocs, tt.budget, "allocations per PATCH")
				t.Logf("PATCH active (%s): %.0f allocations per request", tt.name, allocs)
			})
		}
	})
}
