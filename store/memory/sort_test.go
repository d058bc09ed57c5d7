package memory_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// TestListSortsMissingValues: resources without a value for sortBy sort
// last ascending and first descending (RFC 7644 §3.4.2.3).
func TestListSortsMissingValues(t *testing.T) {
	db := memory.New()
	for _, u := range []map[string]any{
		{"userName": "b", "title": "Guide"},
		{"userName": "none"},
		{"userName": "a", "title": "Admin"},
	} {
		_, err := db.Users().Create(ctx, &scim.Resource{Attributes: u})
		require.NoError(t, err)
	}
	by, err := filter.ParseAttrPath("title", schema.UserResourceType())
	require.NoError(t, err)
	for _, tt := range []struct {
		name       string
		descending bool
		want       []string
	}{
		{"ascending", false, []string{"a", "b", "none"}},
		{"descending", true, []string{"none", "b", "a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.Users().List(ctx, &scim.Query{SortBy: &by, Descending: tt.descending, Count: 10})
			require.NoError(t, err)
			var got []string
			for _, r := range page.Resources {
				got = append(got, r.Attributes["userName"].(string))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
