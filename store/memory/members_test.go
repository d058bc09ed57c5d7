package memory_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/scimkit/scim/store/memory"
)

func patchOf(t *testing.T, ops string) *patch.Request {
	t.Helper()
	body, err := schema.Decode(strings.NewReader(`{"schemas":["` + patch.PatchOpURN + `"],"Operations":` + ops + `}`))
	require.NoError(t, err)
	req, err := patch.Parse(body, schema.GroupResourceType(), patch.Options{})
	require.NoError(t, err)
	return req
}

func assertInvalidValue(t *testing.T, err error) {
	t.Helper()
	var se *scim.Error
	if assert.True(t, errors.As(err, &se), "want a *scim.Error, got %v", err) {
		assert.Equal(t, http.StatusBadRequest, se.Status())
		assert.Equal(t, "invalidValue", se.ScimType())
	}
}

// TestMembersMustExist: every write that sets group members refuses an id
// that names no resource, or is empty, with 400 invalidValue, and changes
// nothing.
func TestMembersMustExist(t *testing.T) {
	db := memory.New()
	u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen"}})
	require.NoError(t, err)
	g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Tour Guides",
		"members": []any{map[string]any{"value": u.ID}}}})
	require.NoError(t, err)
	for _, id := range []string{"no-such-id", ""} {
		for _, tt := range []struct {
			name  string
			write func() error
		}{
			{"create", func() error {
				_, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "New",
					"members": []any{map[string]any{"value": id}}}})
				return err
			}},
			{"replace", func() error {
				_, err := db.Groups().Replace(ctx, &scim.Resource{ID: g.ID, Attributes: map[string]any{"displayName": "Tour Guides",
					"members": []any{map[string]any{"value": u.ID}, map[string]any{"value": id}}}}, "")
				return err
			}},
			{"patch add members", func() error {
				_, _, err := db.Groups().Patch(ctx, g.ID, patchOf(t, fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, id)), "", schema.Projection{})
				return err
			}},
			{"patch members and displayName", func() error {
				_, _, err := db.Groups().Patch(ctx, g.ID, patchOf(t, fmt.Sprintf(`[{"op":"replace","value":{"displayName":"Guides","members":[{"value":%q}]}}]`, id)), "", schema.Projection{})
				return err
			}},
		} {
			t.Run(fmt.Sprintf("%s %q", tt.name, id), func(t *testing.T) {
				assertInvalidValue(t, tt.write())
				got, err := db.Groups().Get(ctx, g.ID, schema.Projection{})
				require.NoError(t, err)
				assert.Equal(t, g.Meta.Version, got.Meta.Version, "a refused write changes nothing")
				assert.Equal(t, []string{u.ID}, patch.MemberIDs(got.Attributes))
			})
		}
	}
	// A group may list a group.
	_, _, err = db.Groups().Patch(ctx, g.ID, patchOf(t, fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, g.ID)), "", schema.Projection{})
	assert.NoError(t, err)
}

// TestMemberAddsRacingDelete adds a user to a group from 30 goroutines,
// through both PATCH paths of the store, while another deletes the user:
// the deleted id must never stay in the group.
func TestMemberAddsRacingDelete(t *testing.T) {
	const rounds, adders = 20, 30
	db := memory.New()
	g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Crowd"}})
	require.NoError(t, err)
	for round := range rounds {
		u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprint("user-", round)}})
		require.NoError(t, err)
		reqs := []*patch.Request{
			patchOf(t, fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, u.ID)),
			patchOf(t, fmt.Sprintf(`[{"op":"add","value":{"displayName":"Crowd %d","members":[{"value":%q}]}}]`, round, u.ID)),
		}
		errs := make([]error, adders)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range adders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = db.Groups().Patch(ctx, g.ID, reqs[i%2], "", schema.Projection{})
			}()
		}
		wg.Add(1)
		var deleteErr error
		go func() {
			defer wg.Done()
			<-start
			deleteErr = db.Users().Delete(ctx, u.ID, "")
		}()
		close(start)
		wg.Wait()
		require.NoError(t, deleteErr)
		for _, err := range errs {
			if err != nil {
				assertInvalidValue(t, err)
			}
		}
		got, err := db.Groups().Get(ctx, g.ID, schema.Projection{})
		require.NoError(t, err)
		require.NotContains(t, patch.MemberIDs(got.Attributes), u.ID, "round %d: the deleted user stays a member", round)
	}
}

// TestDeleteReportsGroupChanges deletes a user who is a member of two
// groups through a Server: the change hooks see each group's change, with
// the group as stored.
func TestDeleteReportsGroupChanges(t *testing.T) {
	db := memory.New()
	var mu sync.Mutex
	var changes []scim.Change
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		scim.WithChangeHook(func(_ context.Context, c scim.Change) {
			mu.Lock()
			defer mu.Unlock()
			changes = append(changes, c)
		}))
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen"}})
	require.NoError(t, err)
	other, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "other"}})
	require.NoError(t, err)
	member := func(ids ...string) []any {
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"value": id}
		}
		return out
	}
	g1, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "A", "members": member(u.ID, other.ID)}})
	require.NoError(t, err)
	g2, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "B", "members": member(u.ID)}})
	require.NoError(t, err)
	_, err = db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "C", "members": member(other.ID)}})
	require.NoError(t, err)

	req, err := http.NewRequest(http.MethodDelete, ts.URL+"/Users/"+u.ID, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	mu.Lock()
	defer mu.Unlock()
	groupChanges := map[string]scim.Change{}
	for _, c := range changes {
		if c.ResourceType == "Group" {
			groupChanges[c.ID] = c
		}
	}
	require.Len(t, groupChanges, 2, "one change for each group that lost the member: %v", changes)
	for _, g := range []*scim.Resource{g1, g2} {
		c := groupChanges[g.ID]
		assert.Equal(t, scim.Patched, c.Kind)
		assert.Equal(t, []string{u.ID}, c.MembersRemoved)
		stored, err := db.Groups().Get(ctx, g.ID, schema.Projection{})
		require.NoError(t, err)
		if assert.NotNil(t, c.Resource) {
			assert.Equal(t, stored.Meta.Version, c.Resource.Meta.Version, "the change carries the group as stored")
			assert.NotEqual(t, g.Meta.Version, c.Resource.Meta.Version)
		}
	}
}
