package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// TestSingleHitLookups: the eq lookups of every sync cycle, read without
// counting in SQL, still report the total of a full page, the page the
// client asked for, and the users' groups, on both dialects.
func TestSingleHitLookups(t *testing.T) {
	ctx := context.Background()
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			rt := schema.UserResourceType()
			var ids []string
			for _, u := range []string{"ann", "bob", "cy"} {
				r, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": u, "externalId": "shared"}})
				require.NoError(t, err)
				ids = append(ids, r.ID)
			}
			_, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Staff",
				"members": []any{map[string]any{"value": ids[1]}}}})
			require.NoError(t, err)
			tests := []struct {
				name   string
				filter string
				count  int
				total  int
				names  []string
				groups int // of the first resource
			}{
				{"userName, with groups", `userName eq "BOB"`, 100, 1, []string{"bob"}, 1},
				{"userName, no groups", `userName eq "ann"`, 100, 1, []string{"ann"}, 0},
				{"no match", `userName eq "dee"`, 100, 0, nil, 0},
				{"externalId, page of all", `externalId eq "shared"`, 3, 3, []string{"ann", "bob", "cy"}, 0},
				{"externalId, full page", `externalId eq "shared"`, 2, 3, []string{"ann", "bob"}, 0},
				{"externalId, page of one", `externalId eq "shared"`, 1, 3, []string{"ann"}, 0},
				{"id", `id eq "` + ids[1] + `"`, 1, 1, []string{"bob"}, 1},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					e, err := filter.Parse(tt.filter, rt, filter.Options{})
					require.NoError(t, err)
					page, err := db.Users().List(ctx, &scim.Query{Filter: e, StartIndex: 1, Count: tt.count})
					require.NoError(t, err)
					assert.Equal(t, tt.total, page.TotalResults)
					var names []string
					for _, r := range page.Resources {
						names = append(names, r.Attributes["userName"].(string))
					}
					assert.Equal(t, tt.names, names)
					if len(page.Resources) > 0 {
						groups, _ := page.Resources[0].Attributes["groups"].([]any)
						assert.Len(t, groups, tt.groups)
					}
				})
			}
		})
	}
}
