package scim_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// decliningPatcher declares Patcher but declines every request with
// ErrSkip, as a native implementation does for a request it cannot
// translate.
type decliningPatcher struct {
	scim.ResourceStore
	asked *atomic.Int32
}

func (d decliningPatcher) Patch(context.Context, string, *patch.Request, string, schema.Projection) (*scim.Resource, *patch.Result, error) {
	d.asked.Add(1)
	return nil, nil, scim.ErrSkip
}

func TestPatcherErrSkipFallsBack(t *testing.T) {
	var asked atomic.Int32
	var hooked atomic.Int32
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(decliningPatcher{db.Users(), &asked}), scim.WithBearerToken("test", token),
		scim.WithChangeHook(func(context.Context, scim.Change) { hooked.Add(1) }))
	require.NoError(t, err)
	c := serve(t, srv)
	id := c.createUser("bjensen")
	tests := []struct {
		name  string
		ops   []any
		field string
		want  any
	}{
		{"replace", []any{map[string]any{"op": "replace", "path": "displayName", "value": "Babs"}}, "displayName", "Babs"},
		{"add", []any{map[string]any{"op": "add", "path": "title", "value": "Tour Guide"}}, "title", "Tour Guide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do("PATCH", "/Users/"+id, patchBody(tt.ops...))
			require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
			assert.Equal(t, tt.want, r.body[tt.field])
			assert.Equal(t, tt.want, c.do("GET", "/Users/"+id, nil).body[tt.field], "the fallback stored it")
		})
	}
	assert.Equal(t, int32(2), asked.Load(), "the native Patcher was asked first")
	assert.Equal(t, int32(3), hooked.Load(), "create and both patches reached the hooks")
}
