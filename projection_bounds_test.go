package scim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// TestProjectionListIsBounded checks that an attributes or
// excludedAttributes list over schema.MaxProjectionPaths entries is a 400
// invalidValue on every endpoint that reads it, and that a create carrying
// one writes nothing.
func TestProjectionListIsBounded(t *testing.T) {
	c := newClient(t)
	created := c.do(http.MethodPost, "/Users", map[string]any{"schemas": []any{schema.UserSchemaURN}, "userName": "bjensen"})
	require.Equal(t, http.StatusCreated, created.status)
	id := created.body["id"].(string)
	tooMany := url.QueryEscape(strings.Repeat("userName,", schema.MaxProjectionPaths+1))
	user := map[string]any{"schemas": []any{schema.UserSchemaURN}, "userName": "other"}
	tests := []struct {
		name, method, path string
		body               any
	}{
		{"list", http.MethodGet, "/Users?attributes=" + tooMany, nil},
		{"list excluded", http.MethodGet, "/Users?excludedAttributes=" + tooMany, nil},
		{"get", http.MethodGet, "/Users/" + id + "?attributes=" + tooMany, nil},
		{"create", http.MethodPost, "/Users?attributes=" + tooMany, user},
		{"replace", http.MethodPut, "/Users/" + id + "?excludedAttributes=" + tooMany, user},
		{"patch", http.MethodPatch, "/Users/" + id + "?attributes=" + tooMany,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"other"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireError(t, c.do(tt.method, tt.path, tt.body), http.StatusBadRequest, "invalidValue")
		})
	}
	list := c.do(http.MethodGet, "/Users", nil)
	require.Equal(t, http.StatusOK, list.status)
	assert.EqualValues(t, 1, list.body["totalResults"], "nothing was written")
	got := c.do(http.MethodGet, "/Users/"+id, nil)
	assert.Equal(t, "bjensen", got.body["userName"])
}
