package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// TestPatchOptionsCombine checks that New computes one PATCH
// configuration from WithRejectUnknownAttributes, WithFilterOptions and
// WithPatchOptions, field by field: a partly filled patch.Options.Filter
// keeps the filter options it does not set.
func TestPatchOptionsCombine(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want patch.Options
	}{
		{"defaults", nil, patch.Options{}},
		{"filter options only", []Option{WithFilterOptions(filter.Options{MaxLength: 500, MaxDepth: 3, Strict: true})},
			patch.Options{Filter: filter.Options{MaxLength: 500, MaxDepth: 3, Strict: true}}},
		{"partial patch filter keeps the rest", []Option{
			WithFilterOptions(filter.Options{MaxLength: 500, MaxDepth: 3, Strict: true}),
			WithPatchOptions(patch.Options{MaxOperations: 10, Filter: filter.Options{MaxDepth: 5}})},
			patch.Options{MaxOperations: 10, Filter: filter.Options{MaxLength: 500, MaxDepth: 5, Strict: true}}},
		{"patch filter wins where set", []Option{
			WithPatchOptions(patch.Options{Filter: filter.Options{MaxLength: 100, Strict: true}}),
			WithFilterOptions(filter.Options{MaxLength: 500})},
			patch.Options{Filter: filter.Options{MaxLength: 100, Strict: true}}},
		{"reject unknown reaches PATCH", []Option{WithRejectUnknownAttributes(), WithPatchOptions(patch.Options{MaxOperations: 7})},
			patch.Options{MaxOperations: 7, Schema: schema.Options{RejectUnknown: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]Option{WithUsers(&mapStore{res: map[string]*Resource{}}), WithoutAuthentication()}, tt.opts...)
			srv, err := New(opts...)
			require.NoError(t, err)
			got := srv.cfg.patchOptions
			assert.NotNil(t, got.Schema.WriteOnlyString, "passwords in PATCH values are hashed")
			got.Schema.WriteOnlyString = nil
			assert.Equal(t, tt.want, got)
		})
	}
}
