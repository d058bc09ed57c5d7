package memory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// Snapshots are shared between reads, so every change of what a resource
// shows must give the next read a new one, and the snapshot a reader
// already holds must not change.
func TestSnapshotsFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		db          *memory.DB
		user, group string
	}
	tests := []struct {
		name   string
		change func(t *testing.T, f fixture)
		// read is the snapshot checked, want what it shows after the
		// change.
		read func(f fixture) (*memory.Store, string)
		want func(t *testing.T, attrs map[string]any)
	}{
		{"replacing a user",
			func(t *testing.T, f fixture) {
				_, err := f.db.Users().Replace(ctx, &scim.Resource{ID: f.user, Attributes: map[string]any{"userName": "new"}}, "")
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Equal(t, "new", attrs["userName"]) }},
		{"patching a user",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Users().Patch(ctx, f.user, patchFor(t, schema.UserResourceType(), `[{"op":"replace","path":"active","value":false}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) {
				assert.Equal(t, false, attrs["active"])
				assert.Equal(t, []any{"Staff"}, displays(attrs), "a write of the user's own attributes keeps its groups")
			}},
		{"adding the user to a second group changes the user's groups",
			func(t *testing.T, f fixture) {
				_, err := f.db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Admins",
					"members": []any{map[string]any{"value": f.user}}}})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) {
				assert.Equal(t, []any{"Admins", "Staff"}, displays(attrs))
			}},
		{"removing the user from its group after a write of the user changes the user's groups",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Users().Patch(ctx, f.user, patchFor(t, schema.UserResourceType(), `[{"op":"replace","path":"active","value":false}]`), "", schema.Projection{})
				require.NoError(t, err)
				_, err = f.db.Users().Replace(ctx, &scim.Resource{ID: f.user, Attributes: map[string]any{"userName": "new"}}, "")
				require.NoError(t, err)
				_, _, err = f.db.Groups().Patch(ctx, f.group, patchFor(t, schema.GroupResourceType(), `[{"op":"remove","path":"members"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) {
				assert.Equal(t, "new", attrs["userName"])
				assert.Nil(t, attrs["groups"])
			}},
		{"renaming the group after a write of the user changes the user's groups",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Users().Patch(ctx, f.user, patchFor(t, schema.UserResourceType(), `[{"op":"replace","path":"active","value":false}]`), "", schema.Projection{})
				require.NoError(t, err)
				_, _, err = f.db.Groups().Patch(ctx, f.group, patchFor(t, schema.GroupResourceType(), `[{"op":"replace","path":"displayName","value":"Renamed"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Equal(t, []any{"Renamed"}, displays(attrs)) }},
		{"removing the user from its group changes the user's groups",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Groups().Patch(ctx, f.group, patchFor(t, schema.GroupResourceType(), `[{"op":"remove","path":"members"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Nil(t, attrs["groups"]) }},
		{"removing the member changes the group's members",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Groups().Patch(ctx, f.group, patchFor(t, schema.GroupResourceType(), `[{"op":"remove","path":"members"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Groups(), f.group },
			func(t *testing.T, attrs map[string]any) { assert.Nil(t, attrs["members"]) }},
		{"renaming the group changes its members' groups",
			func(t *testing.T, f fixture) {
				_, _, err := f.db.Groups().Patch(ctx, f.group, patchFor(t, schema.GroupResourceType(), `[{"op":"replace","path":"displayName","value":"Renamed"}]`), "", schema.Projection{})
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Equal(t, []any{"Renamed"}, displays(attrs)) }},
		{"renaming the group by replacing it changes its members' groups",
			func(t *testing.T, f fixture) {
				_, err := f.db.Groups().Replace(ctx, &scim.Resource{ID: f.group, Attributes: map[string]any{"displayName": "Renamed",
					"members": []any{map[string]any{"value": f.user}}}}, "")
				require.NoError(t, err)
			},
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Equal(t, []any{"Renamed"}, displays(attrs)) }},
		{"deleting the group changes its members' groups",
			func(t *testing.T, f fixture) { require.NoError(t, f.db.Groups().Delete(ctx, f.group, "")) },
			func(f fixture) (*memory.Store, string) { return f.db.Users(), f.user },
			func(t *testing.T, attrs map[string]any) { assert.Nil(t, attrs["groups"]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen", "active": true}})
			require.NoError(t, err)
			g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Staff",
				"members": []any{map[string]any{"value": u.ID}}}})
			require.NoError(t, err)
			f := fixture{db: db, user: u.ID, group: g.ID}
			store, id := tt.read(f)
			before, err := store.GetSnapshot(ctx, id)
			require.NoError(t, err)
			again, err := store.GetSnapshot(ctx, id)
			require.NoError(t, err)
			assert.Same(t, before, again, "an unchanged resource shares its snapshot")
			held, err := store.Get(ctx, id, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, held.Attributes, before.Resource().Attributes, "a snapshot shows what Get returns")
			scribble(held.Attributes) // Get returns a copy of the caller's own
			held, err = store.Get(ctx, id, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, held.Attributes, before.Resource().Attributes, "a change to what Get returned changes nothing stored")

			tt.change(t, f)
			after, err := store.GetSnapshot(ctx, id)
			require.NoError(t, err)
			tt.want(t, after.Resource().Attributes)
			current, err := store.Get(ctx, id, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, current.Attributes, after.Resource().Attributes)
			assert.Equal(t, current.Meta.Version, after.Resource().Meta.Version)
			assert.Equal(t, held.Attributes, before.Resource().Attributes, "a snapshot already read does not change")
		})
	}
}

// displays returns the display of each of a user's groups, in order.
func displays(attrs map[string]any) []any {
	var out []any
	groups, _ := attrs["groups"].([]any)
	for _, g := range groups {
		out = append(out, g.(map[string]any)["display"])
	}
	return out
}

// scribble changes every map and list it reaches, as a caller that owns
// what it was given may.
func scribble(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			scribble(x)
			if _, nested := x.(map[string]any); !nested {
				if _, list := x.([]any); !list {
					v[k] = "scribbled"
				}
			}
		}
	case []any:
		for i, x := range v {
			scribble(x)
			if _, nested := x.(map[string]any); !nested {
				v[i] = "scribbled"
			}
		}
	}
}

func patchFor(t *testing.T, rt *schema.ResourceType, ops string) *patch.Request {
	t.Helper()
	body, err := schema.Decode(strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	require.NoError(t, err)
	req, err := patch.Parse(body, rt, patch.Options{})
	require.NoError(t, err)
	return req
}

// A userName filter is answered from the index alone, so the index must
// find every userName that "eq" finds: the ones strings.EqualFold calls
// equal, such as final and medial sigma, and no other.
func TestUserNameIndexFollowsCaseFolding(t *testing.T) {
	tests := []struct {
		name, stored, asked string
		found               bool
	}{
		{"ASCII case", "bjensen@example.com", "BJensen@Example.com", true},
		{"final and medial sigma", "ς@example.com", "σ@example.com", true},
		{"capital sigma", "ς@example.com", "Σ@example.com", true},
		{"Kelvin sign", "kelvin@example.com", "\u212aelvin@example.com", true},
		{"long s", "sam@example.com", "ſam@example.com", true},
		{"dotted capital I is not i", "i@example.com", "İ@example.com", false},
		{"another name", "bjensen@example.com", "jsmith@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			_, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": tt.stored}})
			require.NoError(t, err)
			e, err := filter.Parse(`userName eq "`+tt.asked+`"`, schema.UserResourceType(), filter.Options{})
			require.NoError(t, err)
			page, err := db.Users().List(ctx, &scim.Query{Filter: e, StartIndex: 1, Count: 10})
			require.NoError(t, err)
			want := 0
			if tt.found {
				want = 1
			}
			assert.Equal(t, want, page.TotalResults)
			assert.Equal(t, tt.found, strings.EqualFold(tt.stored, tt.asked), "the case agrees with the filter's equality")
		})
	}
}
