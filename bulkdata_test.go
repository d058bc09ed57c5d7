package scim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestBulkOperationDataMustBeAnObject: an operation whose data is not a
// JSON object is answered with what is wrong with it, not as an empty body.
func TestBulkOperationDataMustBeAnObject(t *testing.T) {
	c := newClient(t, scim.WithBulk(10))
	tests := []struct {
		data any
		want string
	}{
		{"a string", "not a string"},
		{[]any{"x"}, "not an array"},
		{true, "not a boolean"},
		{42, "not a number"},
		{nil, "empty"},
	}
	for _, tt := range tests {
		op := map[string]any{"method": "POST", "path": "/Users", "bulkId": "u"}
		if tt.data != nil {
			op["data"] = tt.data
		}
		r := c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{op}})
		require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
		ops := r.body["Operations"].([]any)
		require.Len(t, ops, 1)
		res := ops[0].(map[string]any)
		assert.Equal(t, "400", res["status"])
		resp := res["response"].(map[string]any)
		assert.Equal(t, "invalidSyntax", resp["scimType"], "%v", tt.data)
		assert.Contains(t, resp["detail"], tt.want, "%v", tt.data)
	}
}
