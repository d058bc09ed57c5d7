package scim_test

import (
	"context"
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
		{"GET /Users/{id}", "/Users/" + ids[42], 15},
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
