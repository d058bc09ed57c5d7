package filter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// TestValueFilterFastPathAgrees checks that the filter inside a PATCH
// path's brackets parses to the same tree, or fails with the same error,
// through the fast path as through the general parser, for every shape
// the fast path takes and for the ones it must leave to the parser.
func TestValueFilterFastPathAgrees(t *testing.T) {
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	tests := []struct {
		name   string
		rt     *schema.ResourceType
		attr   string
		inner  string
		strict bool
		fast   bool // whether the fast path decides
	}{
		{"member id", groups, "members", `value eq "2819c223-7f76-453a-919d-413861904646"`, false, true},
		{"member id, case of name and operator", groups, "members", `VALUE EQ "abc"`, false, true},
		{"member type", groups, "members", `type eq "User"`, false, true},
		{"member display co", groups, "members", `display co "Jen"`, false, true},
		{"member pr", groups, "members", `value pr`, false, true},
		{"member ref", groups, "members", `$ref eq "https://example.com/Users/1"`, false, true},
		{"unknown sub-attribute", groups, "members", `nope eq "x"`, false, true},
		{"unknown sub-attribute, strict", groups, "members", `nope eq "x"`, true, true},
		{"email type", users, "emails", `type eq "work"`, false, true},
		{"email primary", users, "emails", `primary eq "true"`, false, true},
		{"email primary not boolean", users, "emails", `primary eq "maybe"`, false, true},
		{"string gt", users, "emails", `value gt "m"`, false, true},
		{"escaped quote", groups, "members", `value eq "a\"b"`, false, false},
		{"and", groups, "members", `value eq "a" and type eq "User"`, false, false},
		{"or", groups, "members", `value eq "a" or value eq "b"`, false, false},
		{"not", groups, "members", `not (value eq "a")`, false, false},
		{"number literal", users, "emails", `primary eq true`, false, false},
		{"dotted", groups, "members", `value.x eq "a"`, false, false},
		{"urn", groups, "members", `urn:ietf:params:scim:schemas:core:2.0:Group:value eq "a"`, false, false},
		{"unknown operator", groups, "members", `value is "a"`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := tt.rt.Schema.Attribute(tt.attr)
			require.NotNil(t, parent)
			opts := Options{Strict: tt.strict}
			fast, ok, fastErr := parseSimple(tt.inner, tt.rt, parent, opts)
			require.Equal(t, tt.fast, ok, "fast path decides")
			if !ok {
				return
			}
			general, err := parseExpr(tt.inner, tt.rt, parent, opts)
			if err != nil {
				assert.Equal(t, err, fastErr)
				return
			}
			require.NoError(t, fastErr)
			assert.Equal(t, general, fast)
		})
	}
}
