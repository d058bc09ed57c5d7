package memory

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

func patchRequest(t *testing.T, rt *schema.ResourceType, ops string) *patch.Request {
	t.Helper()
	body, err := schema.Decode(strings.NewReader(`{"schemas":["` + patch.PatchOpURN + `"],"Operations":` + ops + `}`))
	require.NoError(t, err)
	req, err := patch.Parse(body, rt, patch.Options{})
	require.NoError(t, err)
	return req
}

// pauseApply makes the next PATCH of s that goes through patch.Apply wait
// before applying until release is closed; started is closed once it
// waits. Later PATCHes do not wait.
func pauseApply(s *Store) (started, release chan struct{}) {
	started, release = make(chan struct{}), make(chan struct{})
	first := true
	s.beforeApply = func() {
		if first {
			first = false
			close(started)
			<-release
		}
	}
	return started, release
}

// within runs f in a goroutine and reports whether it returned before a
// generous deadline; a store that holds its lock across the apply never
// lets f return while the apply is paused.
func within(f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// TestPatchDoesNotHoldTheLockWhileApplying pauses a PATCH in the middle of
// its application and reads and writes the store meanwhile: a large PATCH
// must not stall the other requests.
func TestPatchDoesNotHoldTheLockWhileApplying(t *testing.T) {
	ctx := context.Background()
	db := New()
	u, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen"}})
	require.NoError(t, err)
	other, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "other"}})
	require.NoError(t, err)
	started, release := pauseApply(db.Users())
	req := patchRequest(t, db.Users().rt, `[{"op":"replace","path":"title","value":"Tour Guide"}]`)
	patched := make(chan error, 1)
	go func() {
		_, _, err := db.Users().Patch(ctx, u.ID, req, "", schema.Projection{})
		patched <- err
	}()
	<-started
	for _, tt := range []struct {
		name string
		op   func() error
	}{
		{"get", func() error { _, err := db.Users().Get(ctx, u.ID, schema.Projection{}); return err }},
		{"list count=1", func() error { _, err := db.Users().List(ctx, &scim.Query{Count: 1}); return err }},
		{"replace another user", func() error {
			_, err := db.Users().Replace(ctx, &scim.Resource{ID: other.ID, Attributes: map[string]any{"userName": "other2"}}, "")
			return err
		}},
	} {
		var err error
		assert.True(t, within(func() { err = tt.op() }), "%s must not wait for the PATCH being applied", tt.name)
		assert.NoError(t, err, tt.name)
	}
	close(release)
	require.NoError(t, <-patched)
	got, err := db.Users().Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Tour Guide", got.Attributes["title"])
}

// TestPatchCommitsOnlyOnTheVersionItApplied changes a user while a PATCH
// of it is being applied: with If-Match the PATCH fails with 412; without,
// it is applied again to the new state, so that neither write is lost.
func TestPatchCommitsOnlyOnTheVersionItApplied(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		ifMatch bool
	}{
		{"with If-Match", true},
		{"without If-Match", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := New()
			users := db.Users()
			u, err := users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "bjensen"}})
			require.NoError(t, err)
			started, release := pauseApply(users)
			req := patchRequest(t, users.rt, `[{"op":"replace","path":"title","value":"Tour Guide"}]`)
			type outcome struct {
				r   *scim.Resource
				err error
			}
			done := make(chan outcome, 1)
			ifVersion := ""
			if tt.ifMatch {
				ifVersion = u.Meta.Version
			}
			go func() {
				r, _, err := users.Patch(ctx, u.ID, req, ifVersion, schema.Projection{})
				done <- outcome{r, err}
			}()
			<-started
			_, _, err = users.Patch(ctx, u.ID, patchRequest(t, users.rt, `[{"op":"replace","path":"nickName","value":"Babs"}]`), "", schema.Projection{})
			require.NoError(t, err)
			close(release)
			o := <-done
			got, err := users.Get(ctx, u.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, "Babs", got.Attributes["nickName"], "the concurrent write is kept")
			if tt.ifMatch {
				assert.ErrorIs(t, o.err, scim.ErrPreconditionFailed)
				assert.NotContains(t, got.Attributes, "title")
				return
			}
			require.NoError(t, o.err)
			assert.Equal(t, "Tour Guide", got.Attributes["title"])
			assert.Equal(t, got.Meta.Version, o.r.Meta.Version)
		})
	}
}
