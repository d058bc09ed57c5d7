package storetest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// TestUsersOnlyStore runs the suite for a store that serves Users only and
// keeps a few attributes, as a host's own users table does: the cases
// about Groups and about attributes it does not keep skip, with a reason,
// and the rest pass.
func TestUsersOnlyStore(t *testing.T) {
	users, err := schema.Trim(schema.UserResourceType(), "userName", "displayName", "preferredLanguage", "active", "emails.value")
	require.NoError(t, err)
	storetest.RunWith(t, storetest.Capabilities{Users: users, Patch: true, Cursors: true,
		Filter: []string{"id", "userName", "displayName", "active", "emails.value"}, Sort: []string{"userName"}},
		func(t *testing.T) storetest.Stores { return storetest.Stores{Users: memory.New().Users()} })
}
