package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

func addMember(t *testing.T, id string) *patch.Request {
	t.Helper()
	req, err := patch.Parse(map[string]any{"schemas": []any{patch.PatchOpURN}, "Operations": []any{
		map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}}, schema.GroupResourceType(), patch.Options{})
	require.NoError(t, err)
	return req
}

// TestMembersExist: a member is the id of a resource that exists, on
// create, replace and patch; anything else is 400 invalidValue.
func TestMembersExist(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "u"}})
			require.NoError(t, err)
			g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "g"}})
			require.NoError(t, err)
			for _, id := range []string{"", "no-such-id", "x\x00y"} {
				members := []any{map[string]any{"value": id}}
				writes := map[string]func() error{
					"create": func() error {
						_, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "h", "members": members}})
						return err
					},
					"replace": func() error {
						_, err := db.Groups().Replace(ctx, &scim.Resource{ID: g.ID, Attributes: map[string]any{"displayName": "g", "members": members}}, "")
						return err
					},
					"patch": func() error {
						_, _, err := db.Groups().Patch(ctx, g.ID, addMember(t, id), "", schema.Projection{})
						return err
					},
				}
				for write, fn := range writes {
					assert.True(t, invalidValue(fn()), "%s with member %q is 400 invalidValue", write, id)
				}
			}
			_, _, err = db.Groups().Patch(ctx, g.ID, addMember(t, u.ID), "", schema.Projection{})
			assert.NoError(t, err, "an existing user is a member")
		})
	}
}

// TestMemberAddsRaceADelete races member adds of a user with the user's
// delete: once the delete has happened, the user is in no group.
func TestMemberAddsRaceADelete(t *testing.T) {
	const adds = 30
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			for round := 0; round < 3; round++ {
				u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("doomed%d", round)}})
				require.NoError(t, err)
				groups := make([]string, 3)
				for i := range groups {
					g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": fmt.Sprintf("g%d-%d", round, i)}})
					require.NoError(t, err)
					groups[i] = g.ID
				}
				errs := make([]error, adds+1)
				var wg sync.WaitGroup
				for i := 0; i <= adds; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if i == adds/2 {
							errs[i] = db.Users().Delete(ctx, u.ID, "")
							return
						}
						_, _, errs[i] = db.Groups().Patch(ctx, groups[i%len(groups)], addMember(t, u.ID), "", schema.Projection{})
					}()
				}
				wg.Wait()
				for i, err := range errs {
					if i == adds/2 {
						assert.NoError(t, err, "the delete")
						continue
					}
					if err != nil && !invalidValue(err) {
						assert.NoError(t, err, "a member add succeeds or finds the user gone")
					}
				}
				for _, gid := range groups {
					g, err := db.Groups().Get(ctx, gid, schema.Projection{})
					require.NoError(t, err)
					assert.NotContains(t, patch.MemberIDs(g.Attributes), u.ID, "a deleted user stays in no group")
				}
			}
		})
	}
}

// TestDeleteReportsGroups: deleting a member reports each of its groups
// to the change hooks, as patched, with the member removed.
func TestDeleteReportsGroups(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			var mu sync.Mutex
			var changes []scim.Change
			srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
				scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
					mu.Lock()
					changes = append(changes, c)
					mu.Unlock()
				}))
			require.NoError(t, err)
			ctx := context.Background()
			u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "leaver"}})
			require.NoError(t, err)
			var gids []string
			for _, name := range []string{"a", "b"} {
				g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": name,
					"members": []any{map[string]any{"value": u.ID}}}})
				require.NoError(t, err)
				gids = append(gids, g.ID)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/Users/"+u.ID, strings.NewReader("")))
			require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
			mu.Lock()
			defer mu.Unlock()
			reported := map[string]scim.Change{}
			for _, c := range changes {
				if c.ResourceType == "Group" {
					reported[c.ID] = c
				}
			}
			for _, gid := range gids {
				c, ok := reported[gid]
				if assert.True(t, ok, "group %s is reported", gid) {
					assert.Equal(t, scim.Patched, c.Kind)
					assert.Equal(t, []string{u.ID}, c.MembersRemoved)
					if assert.NotNil(t, c.Resource) {
						assert.Equal(t, gid, c.Resource.ID)
						stored, err := db.Groups().Get(ctx, gid, schema.Projection{})
						require.NoError(t, err)
						assert.Equal(t, stored.Meta.Version, c.Resource.Meta.Version, "the group as stored")
					}
				}
			}
		})
	}
}

// invalidValue reports whether err is answered 400 invalidValue: a
// *scim.Error from the store, or a *schema.Error from patch validation.
func invalidValue(err error) bool {
	var se *scim.Error
	if errors.As(err, &se) {
		return se.Status() == 400 && se.ScimType() == "invalidValue"
	}
	var ve *schema.Error
	return errors.As(err, &ve) && ve.Code == schema.InvalidValue
}
