package scim

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
)

// mapStore is the smallest ResourceStore: enough to call handlers with.
type mapStore struct {
	mu   sync.Mutex
	next int
	res  map[string]*Resource
}

func (m *mapStore) Create(_ context.Context, r *Resource) (*Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	c := &Resource{ID: strconv.Itoa(m.next), Attributes: r.Attributes, Meta: Meta{Version: `W/"1"`}}
	m.res[c.ID] = c
	return c, nil
}

func (m *mapStore) Get(_ context.Context, id string, _ schema.Projection) (*Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.res[id]; ok {
		return r, nil
	}
	return nil, ErrNotFound
}

func (m *mapStore) Replace(_ context.Context, r *Resource, _ string) (*Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.res[r.ID] = r
	return r, nil
}

func (m *mapStore) Delete(_ context.Context, id string, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.res, id)
	return nil
}

func (m *mapStore) List(context.Context, *Query) (*Page, error) { return &Page{}, nil }

// TestHandlersWithoutHTTP calls the handler functions directly, as bulk
// does: a handler reads a call and returns a result, with no HTTP request
// or response writer involved.
func TestHandlersWithoutHTTP(t *testing.T) {
	srv, err := New(WithUsers(&mapStore{res: map[string]*Resource{}}), WithoutAuthentication())
	require.NoError(t, err)
	e := srv.endpoints[0]
	ctx := context.Background()
	base := "https://example.com/scim/v2"

	created := srv.create(&call{ctx: ctx, base: base, body: map[string]any{
		"schemas": []any{schema.UserSchemaURN}, "userName": "bjensen"}}, e)
	require.NoError(t, created.err)
	assert.Equal(t, http.StatusCreated, created.status)
	assert.Equal(t, base+"/Users/1", created.location)
	assert.Equal(t, `W/"1"`, created.etag)
	require.NotNil(t, created.res)
	assert.Equal(t, "bjensen", created.res.Attributes["userName"])

	tests := []struct {
		name     string
		call     call
		handler  func(*call, *endpoint) result
		status   int
		code     scimerr.Code
		hasError bool
	}{
		{"get", call{id: "1"}, srv.get, http.StatusOK, 0, false},
		{"get not modified", call{id: "1", ifNoneMatch: `W/"1"`}, srv.get, http.StatusNotModified, 0, false},
		{"get unknown id", call{id: "9"}, srv.get, 0, scimerr.NotFound, true},
		{"create without schemas", call{body: map[string]any{}}, srv.create, 0, scimerr.InvalidSyntax, true},
		{"delete", call{id: "1"}, srv.delete, http.StatusNoContent, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.call
			c.ctx, c.base = ctx, base
			res := tt.handler(&c, e)
			if tt.hasError {
				var se *Error
				require.ErrorAs(t, res.err, &se)
				assert.Equal(t, tt.code, se.Code)
				return
			}
			require.NoError(t, res.err)
			assert.Equal(t, tt.status, res.status)
		})
	}
}
