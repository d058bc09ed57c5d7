package scim_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// TestPasswordsAreKeptOnlyAsHashes sends a password every way a client
// can (POST, PUT, PATCH with a path, PATCH without one, Okta's
// URN-qualified key) and checks that neither the store nor a change hook
// ever holds the clear text, that the hash verifies, and that a PUT without
// a password keeps the one stored.
func TestPasswordsAreKeptOnlyAsHashes(t *testing.T) {
	db := memory.New()
	var mu sync.Mutex
	var seen []string
	srv, err := scim.New(
		scim.WithUsers(db.Users()),
		scim.WithBearerToken("test", token),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		scim.WithChangeHook(func(_ context.Context, c scim.Change) {
			if p, ok := scim.ResourcePassword(c.Resource); ok {
				mu.Lock()
				seen = append(seen, p)
				mu.Unlock()
			}
		}),
	)
	require.NoError(t, err)
	c := serve(t, srv)

	stored := func(id string) string {
		t.Helper()
		r, err := db.Users().Get(context.Background(), id, schema.Projection{})
		require.NoError(t, err)
		p, ok := scim.ResourcePassword(r)
		require.True(t, ok, "the store keeps a password")
		return p
	}

	u := user("pw@example.com")
	u["password"] = "first-Secret1"
	created := c.do("POST", "/Users", u)
	require.Equal(t, 201, created.status)
	assert.NotContains(t, created.body, "password")
	id := created.body["id"].(string)
	h := stored(id)
	assert.NotEqual(t, "first-Secret1", h)
	assert.True(t, scim.VerifyPassword(h, "first-Secret1"))
	assert.False(t, scim.VerifyPassword(h, "first-secret1"))

	// PUT without a password keeps the stored hash, untouched.
	put := user("pw@example.com")
	require.Equal(t, 200, c.do("PUT", "/Users/"+id, put).status)
	assert.Equal(t, h, stored(id))

	steps := []struct {
		name, body, password string
	}{
		{"PUT", "", "second-Secret2"},
		{"PATCH with a path", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"third-Secret3"}]}`, "third-Secret3"},
		{"PATCH without a path", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"password":"fourth-Secret4"}}]}`, "fourth-Secret4"},
		{"PATCH with a URN-qualified key", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:password":"fifth-Secret5"}}]}`, "fifth-Secret5"},
	}
	for _, step := range steps {
		var r response
		if step.body == "" {
			b := user("pw@example.com")
			b["password"] = step.password
			r = c.do("PUT", "/Users/"+id, b)
		} else {
			r = c.do("PATCH", "/Users/"+id, step.body)
		}
		require.Equal(t, 200, r.status, step.name)
		h := stored(id)
		assert.True(t, scim.VerifyPassword(h, step.password), step.name)
	}

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen)
	for _, p := range seen {
		assert.True(t, strings.HasPrefix(p, "$2"), "a hook saw %q", p)
		for _, s := range steps {
			assert.NotEqual(t, s.password, p)
		}
	}
}

func TestPasswordTooLongForTheHash(t *testing.T) {
	c := newClient(t)
	u := user("long@example.com")
	u["password"] = strings.Repeat("é", 37) // 74 bytes
	requireError(t, c.do("POST", "/Users", u), 400, "invalidValue")
}

func TestVerifyPasswordRefusesClearText(t *testing.T) {
	assert.False(t, scim.VerifyPassword("secret", "secret"))
	assert.False(t, scim.VerifyPassword("", ""))
}
