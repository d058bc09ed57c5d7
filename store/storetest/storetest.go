// Package storetest is the conformance suite for scim.ResourceStore
// implementations, in the model of gocloud's drivertest: a store declares
// its Capabilities (the attributes it keeps, whether it serves Groups,
// what it can filter and sort on, its optional interfaces) and the suite
// tests exactly the store contract of package
// github.com/scimkit/scim/store for those, marking every case that does
// not apply with t.Skip and the reason. A store runs it from its own
// tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunWith(t, storetest.Capabilities{Users: usersType, Cursors: false},
//			func(t *testing.T) storetest.Stores {
//				return storetest.Stores{Users: newUsers(t)}
//			})
//	}
//
// Run is RunWith with Full capabilities, for stores that keep everything.
//
// The suite checks CRUD, the sentinel errors, uniqueness, versions, ids
// that are never reused or shared between resource types, filters,
// sorting, paging, projection, group membership (members that are
// resources that exist; a user's computed "groups"), native PATCH and
// cursors when declared, and concurrent writers: creates of one userName,
// writes that carry the same version, and member adds to one group, where
// exactly one writer must win or none may be lost. Run it with the race
// detector.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// Stores are the stores under test: Users serves the User resource type
// and Groups, when the stores serve Groups, the Group resource type, over
// shared membership.
type Stores struct {
	Users, Groups scim.ResourceStore
}

// Capabilities declare what the stores under test keep and can do. The
// suite tests what is declared and skips, with the reason, what is not; a
// store that declares a capability it does not have fails.
type Capabilities struct {
	// Users is the User resource type the Users store serves: the
	// attributes it defines are the ones the store keeps (see
	// schema.Trim). Nil means schema.UserResourceType().
	Users *schema.ResourceType
	// Groups is the Group resource type the Groups store serves; nil when
	// the stores serve no Groups (Stores.Groups is then nil).
	Groups *schema.ResourceType
	// MemberDisplay says a group's members are returned with type "User"
	// and a display: the one the client sent, or the user's displayName.
	MemberDisplay bool
	// Filter lists the attribute paths the stores answer in a filter, such
	// as "userName", "emails.type", "meta.created" or "members.value"; nil
	// means every attribute the types define.
	Filter []string
	// Sort lists the attribute paths the stores sort by; nil means every
	// attribute the types define.
	Sort []string
	// Cursors says the stores implement scim.CursorLister.
	Cursors bool
	// Patch says the stores implement scim.Patcher.
	Patch bool
}

// Full returns the capabilities of a store that keeps the whole User and
// Group model and implements every optional interface, as the memory and
// SQL stores do.
func Full() Capabilities {
	return Capabilities{Users: schema.UserResourceType(), Groups: schema.GroupResourceType(),
		MemberDisplay: true, Cursors: true, Patch: true}
}

// Run runs the suite with Full capabilities. newStores must return fresh,
// empty stores each time it is called.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	RunWith(t, Full(), newStores)
}

// RunWith runs the suite for stores with the given capabilities.
// newStores must return fresh, empty stores each time it is called.
func RunWith(t *testing.T, caps Capabilities, newStores func(t *testing.T) Stores) {
	if caps.Users == nil {
		caps.Users = schema.UserResourceType()
	}
	s := suite{newStores: newStores, caps: caps, users: caps.Users, groups: caps.Groups}
	for _, name := range []string{"title", "nickName", "displayName", "preferredLanguage", "locale"} {
		if _, ok := s.users.LookupPath(name); ok {
			s.texts = append(s.texts, name)
		}
	}
	t.Run("CreateAndGet", s.createAndGet)
	t.Run("NotFound", s.notFound)
	t.Run("Replace", s.replace)
	t.Run("Delete", s.delete)
	t.Run("IDs", s.ids)
	t.Run("Uniqueness", s.uniqueness)
	t.Run("ConcurrentCreatesOfOneUserName", s.concurrentCreates)
	t.Run("Versions", s.versions)
	t.Run("Filters", s.filters)
	t.Run("SortAndPage", s.sortAndPage)
	t.Run("Membership", s.membership)
	t.Run("MemberTypeAndDisplay", s.memberDisplay)
	t.Run("ProjectionSkipsMembers", s.projectionSkipsMembers)
	t.Run("PatchGroups", s.patchGroups)
	t.Run("MembersWrittenAgain", s.membersWrittenAgain)
	t.Run("MemberEdited", s.memberEdited)
	t.Run("PatchUsers", s.patchUsers)
	t.Run("ReturnedResourcesAreCopies", s.copies)
	t.Run("ConcurrentMemberAdds", s.concurrentMemberAdds)
	t.Run("ConcurrentCreatesLeaveOneResource", s.concurrentCreatesLeaveOne)
	t.Run("ConcurrentReplacesOfOneVersion", s.concurrentReplaces)
	t.Run("ConcurrentPatchesOfOneVersion", s.concurrentPatches)
	t.Run("ConcurrentDeletesOfOneVersion", s.concurrentDeletes)
	t.Run("Cursor", s.cursor)
}

type suite struct {
	newStores     func(t *testing.T) Stores
	caps          Capabilities
	users, groups *schema.ResourceType
	// texts are the simple, non-unique string attributes of User the
	// store keeps, such as title and displayName, in that order.
	texts []string
}

var ctx = context.Background()

// stores returns fresh stores and checks that they match the declared
// capabilities.
func (s suite) stores(t *testing.T) Stores {
	t.Helper()
	st := s.newStores(t)
	require.NotNil(t, st.Users, "Stores.Users")
	if s.groups != nil {
		require.NotNil(t, st.Groups, "Capabilities.Groups is set, so Stores.Groups must be")
	}
	for _, store := range []scim.ResourceStore{st.Users, st.Groups} {
		if store == nil {
			continue
		}
		if s.caps.Patch {
			_, ok := store.(scim.Patcher)
			require.True(t, ok, "Capabilities.Patch is set but %T does not implement scim.Patcher", store)
		}
		if s.caps.Cursors {
			_, ok := store.(scim.CursorLister)
			require.True(t, ok, "Capabilities.Cursors is set but %T does not implement scim.CursorLister", store)
		}
	}
	return st
}

// needGroups skips a test of Groups when the stores serve none.
func (s suite) needGroups(t *testing.T) {
	t.Helper()
	if s.groups == nil {
		t.Skip("the stores serve no Groups (Capabilities.Groups is nil)")
	}
}

// needUsers skips a test that needs User attributes the store does not keep.
func (s suite) needUsers(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, ok := s.users.LookupPath(p); !ok {
			t.Skipf("the Users store does not keep %s", p)
		}
	}
}

// needTexts skips a test that needs n string attributes such as title.
func (s suite) needTexts(t *testing.T, n int) {
	t.Helper()
	if len(s.texts) < n {
		t.Skipf("the Users store keeps %d of title, nickName, displayName, preferredLanguage and locale; this test needs %d", len(s.texts), n)
	}
}

// allowed reports whether path is in list, where a nil list allows every
// path.
func allowed(list []string, path string) bool {
	if list == nil {
		return true
	}
	for _, p := range list {
		if strings.EqualFold(p, path) {
			return true
		}
	}
	return false
}

// needFilter skips a test that filters rt on paths the stores do not keep
// or cannot filter on.
func (s suite) needFilter(t *testing.T, rt *schema.ResourceType, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, ok := rt.LookupPath(p); !ok {
			t.Skipf("the %s store does not keep %s", rt.Name, p)
		}
		if !allowed(s.caps.Filter, p) {
			t.Skipf("the stores cannot filter on %s (Capabilities.Filter)", p)
		}
	}
}

// needSort skips a test that sorts Users by a path the store does not keep
// or cannot sort by.
func (s suite) needSort(t *testing.T, path string) {
	t.Helper()
	if _, ok := s.users.LookupPath(path); !ok {
		t.Skipf("the Users store does not keep %s", path)
	}
	if !allowed(s.caps.Sort, path) {
		t.Skipf("the stores cannot sort by %s (Capabilities.Sort)", path)
	}
}

// canonical returns body as the server passes it to a store: canonical
// attributes of rt, without the ones rt does not define.
func canonical(rt *schema.ResourceType, body map[string]any) (map[string]any, error) {
	doc := map[string]any{"schemas": []any{rt.Schema.ID}}
	for k, v := range body {
		doc[k] = v
	}
	return rt.Canonicalize(doc, nil, schema.Options{})
}

func (s suite) userAttrs(t *testing.T, userName string, extra map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"userName": userName, "active": true}
	for k, v := range extra {
		body[k] = v
	}
	attrs, err := canonical(s.users, body)
	require.NoError(t, err)
	return attrs
}

func (s suite) user(t *testing.T, st scim.ResourceStore, userName string, extra map[string]any) *scim.Resource {
	t.Helper()
	r, err := st.Create(ctx, &scim.Resource{Attributes: s.userAttrs(t, userName, extra)})
	require.NoError(t, err)
	return r
}

// members returns the members attribute of the given user ids.
func members(ids ...string) []any {
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = map[string]any{"value": id}
	}
	return list
}

func (s suite) groupAttrs(t *testing.T, name string, memberIDs ...string) map[string]any {
	t.Helper()
	body := map[string]any{"displayName": name}
	if len(memberIDs) > 0 {
		body["members"] = members(memberIDs...)
	}
	attrs, err := canonical(s.groups, body)
	require.NoError(t, err)
	return attrs
}

func (s suite) group(t *testing.T, st scim.ResourceStore, name string, memberIDs ...string) *scim.Resource {
	t.Helper()
	r, err := st.Create(ctx, &scim.Resource{Attributes: s.groupAttrs(t, name, memberIDs...)})
	require.NoError(t, err)
	return r
}

func (s suite) createAndGet(t *testing.T) {
	st := s.stores(t)
	before := time.Now().Add(-time.Second)
	created := s.user(t, st.Users, "bjensen", map[string]any{
		"name":   map[string]any{"givenName": "Barbara"},
		"emails": []any{map[string]any{"value": "b@example.com", "type": "work"}},
	})
	require.NotEmpty(t, created.ID)
	assert.NotEmpty(t, created.Meta.Version)
	assert.True(t, created.Meta.Created.After(before), "Created is set")
	assert.Equal(t, created.Meta.Created, created.Meta.LastModified)
	got, err := st.Users.Get(ctx, created.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, created.ID, got.ID)
	assert.Equal(t, "bjensen", got.Attributes["userName"])
	assert.Equal(t, created.Attributes, got.Attributes, "Get returns what Create returned")
	if _, ok := s.users.LookupPath("name.givenName"); ok {
		assert.Equal(t, "Barbara", got.Attributes["name"].(map[string]any)["givenName"])
	}
	assert.Equal(t, created.Meta.Version, got.Meta.Version)

	other := s.user(t, st.Users, "other", nil)
	assert.NotEqual(t, created.ID, other.ID, "ids are unique")
}

func (s suite) notFound(t *testing.T) {
	st := s.stores(t)
	_, err := st.Users.Get(ctx, "missing", schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: "missing", Attributes: map[string]any{"userName": "x"}}, "")
	assert.ErrorIs(t, err, scim.ErrNotFound)
	assert.ErrorIs(t, st.Users.Delete(ctx, "missing", ""), scim.ErrNotFound)
}

func (s suite) replace(t *testing.T) {
	s.needTexts(t, 2)
	a, b := s.texts[0], s.texts[1]
	st := s.stores(t)
	u := s.user(t, st.Users, "bjensen", map[string]any{b: "Babs"})
	r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: s.userAttrs(t, "bjensen", map[string]any{a: "Guide"})}, "")
	require.NoError(t, err)
	assert.Equal(t, "Guide", r.Attributes[a])
	assert.NotContains(t, r.Attributes, b, "replace replaces every attribute")
	assert.True(t, r.Meta.Created.Equal(u.Meta.Created), "Created is kept")
	assert.False(t, r.Meta.LastModified.Before(u.Meta.LastModified))
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Guide", got.Attributes[a])
}

func (s suite) delete(t *testing.T) {
	st := s.stores(t)
	u := s.user(t, st.Users, "gone", nil)
	require.NoError(t, st.Users.Delete(ctx, u.ID, ""))
	_, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
	s.user(t, st.Users, "gone", nil) // the userName is free again
	page, err := st.Users.List(ctx, &scim.Query{Count: 10})
	require.NoError(t, err)
	assert.Equal(t, 1, page.TotalResults)
}

// ids checks RFC 7643 §3.1 as the store contract states it: an id is never
// reused after a delete (so a stale request meant for a deleted resource
// never reaches a new one) and never shared between Users and Groups.
func (s suite) ids(t *testing.T) {
	st := s.stores(t)
	seen := map[string]string{}
	see := func(kind string, r *scim.Resource) {
		t.Helper()
		if prev, ok := seen[r.ID]; ok {
			assert.Failf(t, "an id was given twice", "%s %s has the id of a %s", kind, r.ID, prev)
		}
		seen[r.ID] = kind
	}
	first := s.user(t, st.Users, "alice", nil)
	see("User", first)
	require.NoError(t, st.Users.Delete(ctx, first.ID, first.Meta.Version))
	second := s.user(t, st.Users, "alice", nil)
	see("User", second)
	assert.ErrorIs(t, st.Users.Delete(ctx, first.ID, first.Meta.Version), scim.ErrNotFound, "a stale DELETE finds nothing")
	_, err := st.Users.Replace(ctx, &scim.Resource{ID: first.ID, Attributes: s.userAttrs(t, "alice", nil)}, "")
	assert.ErrorIs(t, err, scim.ErrNotFound, "a stale PUT finds nothing")
	got, err := st.Users.Get(ctx, second.ID, schema.Projection{})
	require.NoError(t, err, "the new user is left alone")
	assert.Equal(t, second.Meta.Version, got.Meta.Version)
	for i := 0; i < 5; i++ {
		u := s.user(t, st.Users, fmt.Sprintf("u%d", i), nil)
		see("User", u)
		require.NoError(t, st.Users.Delete(ctx, u.ID, ""))
	}
	if s.groups == nil {
		return
	}
	for i := 0; i < 5; i++ {
		g := s.group(t, st.Groups, fmt.Sprintf("team %d", i))
		see("Group", g)
		_, err := st.Users.Get(ctx, g.ID, schema.Projection{})
		assert.ErrorIs(t, err, scim.ErrNotFound, "a group's id is no user's")
		if i%2 == 0 {
			require.NoError(t, st.Groups.Delete(ctx, g.ID, ""))
		}
		u := s.user(t, st.Users, fmt.Sprintf("g%d", i), nil)
		see("User", u)
		_, err = st.Groups.Get(ctx, u.ID, schema.Projection{})
		assert.ErrorIs(t, err, scim.ErrNotFound, "a user's id is no group's")
	}
}

func (s suite) uniqueness(t *testing.T) {
	st := s.stores(t)
	u := s.user(t, st.Users, "bjensen", nil)
	_, err := st.Users.Create(ctx, &scim.Resource{Attributes: s.userAttrs(t, "BJensen", nil)})
	assert.ErrorIs(t, err, scim.ErrConflict, "userName is unique regardless of case")
	other := s.user(t, st.Users, "alice", nil)
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: other.ID, Attributes: s.userAttrs(t, "BJENSEN", nil)}, "")
	assert.ErrorIs(t, err, scim.ErrConflict)
	got, err := st.Users.Get(ctx, other.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "alice", got.Attributes["userName"], "a conflicting replace changes nothing")
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: s.userAttrs(t, "BJENSEN", nil)}, "")
	assert.NoError(t, err, "a resource may change the case of its own userName")
}

func (s suite) concurrentCreates(t *testing.T) {
	st := s.stores(t)
	const n = 16
	attrs := make([]map[string]any, n)
	for i := range attrs {
		attrs[i] = s.userAttrs(t, fmt.Sprintf("Same%c", "eE"[i%2]), nil)
	}
	errs := concurrently(n, func(i int) error {
		_, err := st.Users.Create(ctx, &scim.Resource{Attributes: attrs[i]})
		return err
	})
	oneWinner(t, errs, scim.ErrConflict)
}

func (s suite) versions(t *testing.T) {
	s.needTexts(t, 1)
	x := s.texts[0]
	st := s.stores(t)
	u := s.user(t, st.Users, "v", nil)
	v1 := u.Meta.Version
	r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: s.userAttrs(t, "v", map[string]any{x: "a"})}, v1)
	require.NoError(t, err)
	v2 := r.Meta.Version
	assert.NotEqual(t, v1, v2, "every write changes the version")
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: s.userAttrs(t, "v", map[string]any{x: "b"})}, v1)
	assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
	assert.ErrorIs(t, st.Users.Delete(ctx, u.ID, v1), scim.ErrPreconditionFailed)
	if p, ok := st.Users.(scim.Patcher); ok {
		_, _, err := p.Patch(ctx, u.ID, s.patchRequest(t, s.users, `[{"op":"replace","path":"`+x+`","value":"c"}]`), v1, schema.Projection{})
		assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
	}
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "a", got.Attributes[x], "stale writes change nothing")
	assert.Equal(t, v2, got.Meta.Version)
	assert.NoError(t, st.Users.Delete(ctx, u.ID, v2))
}

func (s suite) query(t *testing.T, rt *schema.ResourceType, f string) *scim.Query {
	t.Helper()
	q := &scim.Query{Count: 100, StartIndex: 1}
	if f != "" {
		e, err := filter.Parse(f, rt, filter.Options{})
		require.NoError(t, err)
		q.Filter = e
	}
	return q
}

func names(page *scim.Page, attr string) []string {
	out := []string{}
	for _, r := range page.Resources {
		s, _ := r.Attributes[attr].(string)
		out = append(out, s)
	}
	return out
}

func (s suite) filters(t *testing.T) {
	st := s.stores(t)
	x := "title"
	if len(s.texts) > 0 {
		x = s.texts[0]
	}
	s.user(t, st.Users, "bjensen", map[string]any{"externalId": "E1", x: "Guide",
		"emails":                       []any{map[string]any{"value": "b@example.com", "type": "work"}},
		schema.EnterpriseUserSchemaURN: map[string]any{"employeeNumber": "7"}})
	s.user(t, st.Users, "alice", map[string]any{"externalId": "e1", "active": false,
		"emails": []any{map[string]any{"value": "a@example.org", "type": "home"}}})
	s.user(t, st.Users, "carol", map[string]any{x: "Boss"})
	const employeeNumber = schema.EnterpriseUserSchemaURN + ":employeeNumber"
	tests := []struct {
		filter string
		paths  []string // what the filter needs the store to filter on
		want   []string
	}{
		{`userName eq "BJENSEN"`, []string{"userName"}, []string{"bjensen"}},
		{`userName eq "nobody"`, []string{"userName"}, []string{}},
		{`externalId eq "E1"`, []string{"externalId"}, []string{"bjensen"}},
		{`externalId eq "e1"`, []string{"externalId"}, []string{"alice"}},
		{`id eq "nope"`, []string{"id"}, []string{}},
		{`userName sw "a"`, []string{"userName"}, []string{"alice"}},
		{`userName co "o"`, []string{"userName"}, []string{"carol"}},
		{x + ` pr`, []string{x}, []string{"bjensen", "carol"}},
		{x + ` pr and active eq true`, []string{x, "active"}, []string{"bjensen", "carol"}},
		{`userName eq "alice" or userName eq "carol"`, []string{"userName"}, []string{"alice", "carol"}},
		{`userName eq "alice" and active eq true`, []string{"userName", "active"}, []string{}},
		{`not (` + x + ` pr)`, []string{x}, []string{"alice"}},
		{`emails[type eq "work" and value co "@example.com"]`, []string{"emails.type", "emails.value"}, []string{"bjensen"}},
		{`emails.value ew ".org"`, []string{"emails.value"}, []string{"alice"}},
		{employeeNumber + ` eq "7"`, []string{employeeNumber}, []string{"bjensen"}},
		{`meta.created gt "2000-01-01T00:00:00Z"`, []string{"meta.created"}, []string{"bjensen", "alice", "carol"}},
		{`meta.lastModified lt "2000-01-01T00:00:00Z"`, []string{"meta.lastModified"}, []string{}},
		{`meta.resourceType eq "User"`, []string{"meta.resourceType"}, []string{"bjensen", "alice", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			s.needFilter(t, s.users, tt.paths...)
			page, err := st.Users.List(ctx, s.query(t, s.users, tt.filter))
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, names(page, "userName"))
			assert.Equal(t, len(tt.want), page.TotalResults)
		})
	}
	t.Run("Groups", func(t *testing.T) {
		s.needGroups(t)
		s.needFilter(t, s.groups, "displayName")
		g := s.group(t, st.Groups, "Tour Guides")
		s.group(t, st.Groups, "Other")
		page, err := st.Groups.List(ctx, s.query(t, s.groups, `displayName eq "tour guides"`))
		require.NoError(t, err)
		require.Len(t, page.Resources, 1)
		assert.Equal(t, g.ID, page.Resources[0].ID)
	})
}

func (s suite) sortAndPage(t *testing.T) {
	st := s.stores(t)
	x := ""
	if len(s.texts) > 0 {
		x = s.texts[0]
	}
	for _, n := range []string{"dave", "Alice", "carol", "bob", "eve"} {
		extra := map[string]any{}
		if n != "eve" && x != "" {
			extra[x] = "T-" + n
		}
		s.user(t, st.Users, n, extra)
	}
	page, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	assert.Equal(t, []string{"dave", "Alice", "carol", "bob", "eve"}, names(page, "userName"), "creation order without sortBy")

	sorted := func(t *testing.T, by string, desc bool, start, count int) (*scim.Page, []string) {
		t.Helper()
		s.needSort(t, by)
		q := s.query(t, s.users, "")
		p, err := filter.ParseAttrPath(by, s.users)
		require.NoError(t, err)
		q.SortBy, q.Descending, q.StartIndex, q.Count = &p, desc, start, count
		page, err := st.Users.List(ctx, q)
		require.NoError(t, err)
		return page, names(page, "userName")
	}
	t.Run("userName", func(t *testing.T) {
		_, got := sorted(t, "userName", false, 1, 10)
		assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "eve"}, got, "userName sorts case-insensitively")
		_, got = sorted(t, "userName", true, 1, 10)
		assert.Equal(t, []string{"eve", "dave", "carol", "bob", "Alice"}, got)
		page, got := sorted(t, "userName", false, 2, 2)
		assert.Equal(t, []string{"bob", "carol"}, got)
		assert.Equal(t, 5, page.TotalResults)
		page, got = sorted(t, "userName", false, 5, 10)
		assert.Equal(t, []string{"eve"}, got)
		assert.Equal(t, 5, page.TotalResults)
		page, got = sorted(t, "userName", false, 9, 10)
		assert.Empty(t, got)
		assert.Equal(t, 5, page.TotalResults)
		page, got = sorted(t, "userName", false, 1, 0)
		assert.Empty(t, got, "count 0 returns only the total")
		assert.Equal(t, 5, page.TotalResults)
	})
	t.Run("MissingValues", func(t *testing.T) {
		s.needTexts(t, 1)
		// RFC 7644 §3.4.2.3: last ascending, first descending.
		_, got := sorted(t, x, true, 1, 10)
		assert.Equal(t, []string{"eve", "dave", "carol", "bob", "Alice"}, got, "missing values sort first descending")
		_, got = sorted(t, x, false, 1, 10)
		assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "eve"}, got, "and last ascending")
	})
}

func groupIDs(r *scim.Resource) []string {
	var out []string
	list, _ := r.Attributes["groups"].([]any)
	for _, g := range list {
		out = append(out, g.(map[string]any)["value"].(string))
	}
	return out
}

func (s suite) membership(t *testing.T) {
	s.needGroups(t)
	st := s.stores(t)
	alice := s.user(t, st.Users, "alice", nil)
	bob := s.user(t, st.Users, "bob", nil)
	g := s.group(t, st.Groups, "Teachers", alice.ID, bob.ID)
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{alice.ID, bob.ID}, patch.MemberIDs(got.Attributes))

	u, err := st.Users.Get(ctx, alice.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, []string{g.ID}, groupIDs(u), "a user's groups come from membership")
	if _, ok := s.users.LookupPath("groups.display"); ok {
		assert.Equal(t, "Teachers", u.Attributes["groups"].([]any)[0].(map[string]any)["display"])
	}

	// A list shows each user's groups too, in any order.
	admins := s.group(t, st.Groups, "Admins", alice.ID)
	s.user(t, st.Users, "dora", nil)
	page, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	byName := map[string][]string{}
	for _, r := range page.Resources {
		byName[r.Attributes["userName"].(string)] = groupIDs(r)
	}
	assert.ElementsMatch(t, []string{admins.ID, g.ID}, byName["alice"])
	assert.Equal(t, []string{g.ID}, byName["bob"])
	assert.Empty(t, byName["dora"])
	_, err = st.Groups.Replace(ctx, &scim.Resource{ID: admins.ID, Attributes: s.groupAttrs(t, "Admins")}, "")
	require.NoError(t, err)

	// groups is read-only: a user write cannot change it, even when the
	// store is handed one.
	attrs := s.userAttrs(t, "bob", nil)
	attrs["groups"] = []any{}
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: bob.ID, Attributes: attrs}, "")
	require.NoError(t, err)
	b, err := st.Users.Get(ctx, bob.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, []string{g.ID}, groupIDs(b))

	// Replacing the group's members updates the users' groups.
	_, err = st.Groups.Replace(ctx, &scim.Resource{ID: g.ID, Attributes: s.groupAttrs(t, "Teachers", bob.ID)}, "")
	require.NoError(t, err)
	u, err = st.Users.Get(ctx, alice.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Empty(t, groupIDs(u))

	// Deleting a user removes it from its groups.
	require.NoError(t, st.Users.Delete(ctx, bob.ID, ""))
	got, err = st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Empty(t, patch.MemberIDs(got.Attributes))

	// Deleting a group clears its members' groups.
	carol := s.user(t, st.Users, "carol", nil)
	g2 := s.group(t, st.Groups, "Admins2", carol.ID)
	require.NoError(t, st.Groups.Delete(ctx, g2.ID, ""))
	c, err := st.Users.Get(ctx, carol.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Empty(t, groupIDs(c))

	t.Run("FilterByMember", func(t *testing.T) {
		s.needFilter(t, s.groups, "members.value")
		s.group(t, st.Groups, "Readers", carol.ID)
		page, err := st.Groups.List(ctx, s.query(t, s.groups, `members[value eq "`+carol.ID+`"]`))
		require.NoError(t, err)
		assert.Equal(t, []string{"Readers"}, names(page, "displayName"))
	})
}

// memberDisplay checks that members are returned with type "User" and a
// display, which is the one the client sent, the user's displayName.
func (s suite) memberDisplay(t *testing.T) {
	s.needGroups(t)
	if !s.caps.MemberDisplay {
		t.Skip("the stores return members without type and display (Capabilities.MemberDisplay)")
	}
	s.needUsers(t, "displayName")
	st := s.stores(t)
	alice := s.user(t, st.Users, "alice", map[string]any{"displayName": "Alice Ames"})
	attrs, err := canonical(s.groups, map[string]any{"displayName": "Crew",
		"members": []any{map[string]any{"value": alice.ID, "type": "User", "display": "Alice Ames"}}})
	require.NoError(t, err)
	g, err := st.Groups.Create(ctx, &scim.Resource{Attributes: attrs})
	require.NoError(t, err)
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	list, _ := got.Attributes["members"].([]any)
	require.Len(t, list, 1)
	m, _ := list[0].(map[string]any)
	assert.Equal(t, alice.ID, m["value"])
	assert.Equal(t, "User", m["type"])
	assert.Equal(t, "Alice Ames", m["display"])
}

func (s suite) projectionSkipsMembers(t *testing.T) {
	s.needGroups(t)
	st := s.stores(t)
	u := s.user(t, st.Users, "alice", nil)
	g := s.group(t, st.Groups, "Teachers", u.ID)
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{ExcludedAttributes: []string{"members"}})
	require.NoError(t, err)
	assert.NotContains(t, got.Attributes, "members")
	assert.Equal(t, "Teachers", got.Attributes["displayName"])
	q := s.query(t, s.groups, "")
	q.Projection = schema.Projection{Attributes: []string{"displayName"}}
	page, err := st.Groups.List(ctx, q)
	require.NoError(t, err)
	require.Len(t, page.Resources, 1)
	assert.NotContains(t, page.Resources[0].Attributes, "members")
}

func (s suite) patchRequest(t *testing.T, rt *schema.ResourceType, ops string) *patch.Request {
	t.Helper()
	req, err := patchRequest(rt, ops)
	require.NoError(t, err)
	return req
}

// needPatch skips a test of native PATCH when the stores declare none.
func (s suite) needPatch(t *testing.T) {
	t.Helper()
	if !s.caps.Patch {
		t.Skip("the stores do not implement scim.Patcher (Capabilities.Patch); the server applies PATCH with Get, patch.Apply and Replace")
	}
}

func (s suite) patchGroups(t *testing.T) {
	s.needGroups(t)
	s.needPatch(t)
	st := s.stores(t)
	p := st.Groups.(scim.Patcher)
	alice := s.user(t, st.Users, "alice", nil)
	bob := s.user(t, st.Users, "bob", nil)
	g := s.group(t, st.Groups, "Teachers", alice.ID)

	r, res, err := p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"add","path":"members","value":[{"value":"`+bob.ID+`"}]}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{bob.ID}, res.MembersAdded)
	assert.ElementsMatch(t, []string{alice.ID, bob.ID}, patch.MemberIDs(r.Attributes))
	assert.NotEqual(t, g.Meta.Version, r.Meta.Version)

	_, res, err = p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"add","path":"members","value":[{"value":"`+bob.ID+`"}]}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.False(t, res.Changed, "adding a member twice changes nothing")

	_, res, err = p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"remove","path":"members[value eq \"`+alice.ID+`\"]"}]`), "", schema.Projection{ExcludedAttributes: []string{"members"}})
	require.NoError(t, err)
	assert.Equal(t, []string{alice.ID}, res.MembersRemoved)
	u, err := st.Users.Get(ctx, alice.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Empty(t, groupIDs(u))

	r, res, err = p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"replace","path":"displayName","value":"Staff"}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, "Staff", r.Attributes["displayName"])
	assert.Equal(t, []string{bob.ID}, patch.MemberIDs(r.Attributes), "a non-member patch keeps the members")

	_, _, err = p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"replace","path":"displayName","value":"X"},{"op":"remove","path":"displayName"}]`), "", schema.Projection{})
	var se *schema.Error
	require.True(t, errors.As(err, &se), "got %v", err)
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Staff", got.Attributes["displayName"], "a failed PATCH changes nothing")
}

// membersWrittenAgain: a PATCH that removes the members and adds them
// back changes no membership, so it reports no change, but the members
// are written again (in the add's order, with the add's objects): the
// group's version must change, since a client's If-None-Match, and the
// stores' shared snapshots, take an unchanged version to mean unchanged
// members. A PATCH that writes no member keeps the version.
func (s suite) membersWrittenAgain(t *testing.T) {
	s.needGroups(t)
	s.needPatch(t)
	st := s.stores(t)
	p := st.Groups.(scim.Patcher)
	a := s.user(t, st.Users, "a", nil)
	b := s.user(t, st.Users, "b", nil)
	g := s.group(t, st.Groups, "g", a.ID, b.ID)

	out, res, err := p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"remove","path":"members"},
		{"op":"add","path":"members","value":[{"value":"`+b.ID+`"},{"value":"`+a.ID+`","display":"A"}]}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.False(t, res.Changed, "the set of members is the same")
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version, "the members were written again")
	assert.ElementsMatch(t, []string{a.ID, b.ID}, patch.MemberIDs(out.Attributes))
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, out.Meta.Version, got.Meta.Version)
	assert.Equal(t, out.Attributes["members"], got.Attributes["members"])

	again, res, err := p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, `[{"op":"add","path":"members","value":[{"value":"`+a.ID+`"}]}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.Equal(t, out.Meta.Version, again.Meta.Version, "a PATCH that writes nothing keeps the version")
}

// memberEdited: a PATCH on a member's sub-attribute changes that member's
// object, kept as the client sent it, in what the PATCH returns and in
// what a later read shows.
func (s suite) memberEdited(t *testing.T) {
	s.needGroups(t)
	s.needPatch(t)
	if !s.caps.MemberDisplay {
		t.Skip("the stores do not keep the display a client sends (Capabilities.MemberDisplay)")
	}
	st := s.stores(t)
	p := st.Groups.(scim.Patcher)
	a := s.user(t, st.Users, "a", nil)
	b := s.user(t, st.Users, "b", nil)
	g := s.group(t, st.Groups, "g", a.ID, b.ID)

	out, res, err := p.Patch(ctx, g.ID, s.patchRequest(t, s.groups,
		`[{"op":"replace","path":"members[value eq \"`+a.ID+`\"].display","value":"Ärger Ω"}]`), "", schema.Projection{})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version)
	display := func(r *scim.Resource) map[string]any {
		shown := map[string]any{}
		list, _ := r.Attributes["members"].([]any)
		for _, m := range list {
			obj, _ := m.(map[string]any)
			id, _ := obj["value"].(string)
			shown[id] = obj["display"]
		}
		return shown
	}
	assert.Equal(t, "Ärger Ω", display(out)[a.ID])
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, out.Meta.Version, got.Meta.Version)
	assert.Equal(t, display(out), display(got))
	assert.ElementsMatch(t, []string{a.ID, b.ID}, patch.MemberIDs(got.Attributes))
}

func (s suite) patchUsers(t *testing.T) {
	s.needPatch(t)
	st := s.stores(t)
	up := st.Users.(scim.Patcher)
	bob := s.user(t, st.Users, "bob", nil)
	s.user(t, st.Users, "taken", nil)
	_, _, err := up.Patch(ctx, bob.ID, s.patchRequest(t, s.users, `[{"op":"replace","path":"userName","value":"TAKEN"}]`), "", schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrConflict, "PATCH enforces uniqueness")
	r, res, err := up.Patch(ctx, bob.ID, s.patchRequest(t, s.users, `[{"op":"replace","path":"userName","value":"robert"}]`), bob.Meta.Version, schema.Projection{})
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, "robert", r.Attributes["userName"])
	assert.NotEqual(t, bob.Meta.Version, r.Meta.Version)
}

func (s suite) copies(t *testing.T) {
	s.needUsers(t, "name.givenName")
	st := s.stores(t)
	u := s.user(t, st.Users, "alice", map[string]any{"name": map[string]any{"givenName": "Alice"}})
	u.Attributes["userName"] = "mallory"
	u.Attributes["name"].(map[string]any)["givenName"] = "Mallory"
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "alice", got.Attributes["userName"])
	assert.Equal(t, "Alice", got.Attributes["name"].(map[string]any)["givenName"])
	got.Attributes["name"].(map[string]any)["givenName"] = "Eve"
	again, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Alice", again.Attributes["name"].(map[string]any)["givenName"])
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// concurrentMemberAdds adds 50 existing users to one group at once, each
// with its own PATCH (or read-modify-write with If-Match, retried, when
// the store has no Patcher, as the server does): the group lists all 50
// and each user's groups lists the group.
func (s suite) concurrentMemberAdds(t *testing.T) {
	s.needGroups(t)
	st := s.stores(t)
	const n = 50
	ids := make([]string, n)
	reqs := make([]*patch.Request, n)
	for i := range ids {
		ids[i] = s.user(t, st.Users, fmt.Sprintf("member%02d", i), nil).ID
		reqs[i] = s.patchRequest(t, s.groups, fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, ids[i]))
	}
	g := s.group(t, st.Groups, "Everyone")
	errs := concurrently(n, func(i int) error {
		if p, ok := st.Groups.(scim.Patcher); ok {
			_, _, err := p.Patch(ctx, g.ID, reqs[i], "", schema.Projection{ExcludedAttributes: []string{"members"}})
			return err
		}
		for attempt := 0; attempt < 200; attempt++ {
			cur, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
			if err != nil {
				return err
			}
			attrs, _, err := patch.Apply(s.groups, cur.Attributes, reqs[i])
			if err != nil {
				return err
			}
			if _, err = st.Groups.Replace(ctx, &scim.Resource{ID: g.ID, Attributes: attrs}, cur.Meta.Version); !errors.Is(err, scim.ErrPreconditionFailed) {
				return err
			}
		}
		return errors.New("no replace succeeded in 200 attempts")
	})
	for i, err := range errs {
		assert.NoError(t, err, "member %d", i)
	}
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, patch.MemberIDs(got.Attributes), "no member add is lost")
	for _, id := range []string{ids[0], ids[n/2], ids[n-1]} {
		u, err := st.Users.Get(ctx, id, schema.Projection{})
		require.NoError(t, err)
		assert.Equal(t, []string{g.ID}, groupIDs(u))
	}
}

func (s suite) cursor(t *testing.T) {
	if !s.caps.Cursors {
		t.Skip("the stores do not implement scim.CursorLister (Capabilities.Cursors); the server refuses cursor requests and pages by index")
	}
	st := s.stores(t)
	lister := st.Users.(scim.CursorLister)
	var created []string
	for i := 0; i < 25; i++ {
		created = append(created, s.user(t, st.Users, fmt.Sprintf("c%02d", i), nil).ID)
	}
	seen := map[string]int{}
	after := ""
	for pages := 0; pages < 20; pages++ {
		page, next, err := lister.ListAfter(ctx, &scim.Query{Count: 10}, after)
		require.NoError(t, err)
		assert.Equal(t, 25+pages, page.TotalResults, "resources created while paging are counted")
		for _, r := range page.Resources {
			seen[r.ID]++
		}
		// A resource created between pages shows up once, at the end.
		created = append(created, s.user(t, st.Users, fmt.Sprintf("late%02d", pages), nil).ID)
		if next == "" {
			break
		}
		after = next
	}
	for _, id := range created[:25] {
		assert.Equal(t, 1, seen[id])
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "resource %s seen once", id)
	}
	page, _, err := lister.ListAfter(ctx, s.query(t, s.users, `userName sw "c0"`), "")
	require.NoError(t, err)
	assert.Equal(t, 10, page.TotalResults)
}

// concurrently runs fn(0) … fn(n-1) in n goroutines, released together,
// and returns their errors. fn must not call require or t.FailNow.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}(i)
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one of errs is nil and every other one
// is want, and returns the index of the winner.
func oneWinner(t *testing.T, errs []error, want error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, winner, "two writes succeeded: %d and %d", winner, i)
			winner = i
			continue
		}
		assert.ErrorIs(t, err, want, "writer %d", i)
	}
	require.NotEqual(t, -1, winner, "no write succeeded: %v", errs)
	return winner
}

// concurrentCreatesLeaveOne creates one userName from 20 goroutines at
// once: one create succeeds, nineteen fail with ErrConflict, and one user
// is stored.
func (s suite) concurrentCreatesLeaveOne(t *testing.T) {
	s.needTexts(t, 1)
	x := s.texts[0]
	st := s.stores(t)
	const n = 20
	ids := make([]string, n)
	attrs := make([]map[string]any, n)
	for i := range attrs {
		attrs[i] = s.userAttrs(t, "race@example.com", map[string]any{x: fmt.Sprintf("writer %d", i)})
	}
	errs := concurrently(n, func(i int) error {
		r, err := st.Users.Create(ctx, &scim.Resource{Attributes: attrs[i]})
		if err == nil {
			ids[i] = r.ID
		}
		return err
	})
	winner := oneWinner(t, errs, scim.ErrConflict)
	all, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	require.Equal(t, 1, all.TotalResults, "failed creates leave nothing behind")
	assert.Equal(t, ids[winner], all.Resources[0].ID)
	assert.Equal(t, fmt.Sprintf("writer %d", winner), all.Resources[0].Attributes[x])
}

// concurrentReplaces replaces one resource from 20 goroutines that all
// read the same version: one replace succeeds, the others fail with
// ErrPreconditionFailed, and the stored resource is the winner's.
func (s suite) concurrentReplaces(t *testing.T) {
	s.needTexts(t, 1)
	x := s.texts[0]
	st := s.stores(t)
	u := s.user(t, st.Users, "contended", nil)
	const n = 20
	versions := make([]string, n)
	attrs := make([]map[string]any, n)
	for i := range attrs {
		attrs[i] = s.userAttrs(t, "contended", map[string]any{x: fmt.Sprintf("writer %d", i)})
	}
	errs := concurrently(n, func(i int) error {
		r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: attrs[i]}, u.Meta.Version)
		if err == nil {
			versions[i] = r.Meta.Version
		}
		return err
	})
	winner := oneWinner(t, errs, scim.ErrPreconditionFailed)
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("writer %d", winner), got.Attributes[x], "the stored resource is the winner's")
	assert.Equal(t, versions[winner], got.Meta.Version)
	assert.NotEqual(t, u.Meta.Version, got.Meta.Version)
}

// concurrentPatches is concurrentReplaces for a store's native PATCH, on
// a group's displayName and on its members.
func (s suite) concurrentPatches(t *testing.T) {
	s.needGroups(t)
	s.needPatch(t)
	st := s.stores(t)
	p := st.Groups.(scim.Patcher)
	const n = 20
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.user(t, st.Users, fmt.Sprintf("writer%02d", i), nil).ID
	}
	writers := make([]string, 20)
	for i := range writers {
		u, err := st.Users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("writer-%d", i)}})
		require.NoError(t, err)
		writers[i] = u.ID
	}
	for _, tt := range []struct {
		name string
		ops  func(i int) string
		// check returns what identifies the stored outcome, and want
		// what it must be when writer i won.
		check func(r *scim.Resource) string
		want  func(i int) string
	}{
		{"displayName", func(i int) string {
			return fmt.Sprintf(`[{"op":"replace","path":"displayName","value":"writer %d"}]`, i)
		}, func(r *scim.Resource) string { return r.Attributes["displayName"].(string) },
			func(i int) string { return fmt.Sprintf("writer %d", i) }},
		{"members", func(i int) string {
			return fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, ids[i])
		}, func(r *scim.Resource) string { return strings.Join(patch.MemberIDs(r.Attributes), ",") },
			func(i int) string { return ids[i] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := s.group(t, st.Groups, "Contended "+tt.name)
			reqs := make([]*patch.Request, n)
			for i := range reqs {
				reqs[i] = s.patchRequest(t, s.groups, tt.ops(i))
			}
			errs := concurrently(n, func(i int) error {
				_, _, err := p.Patch(ctx, g.ID, reqs[i], g.Meta.Version, schema.Projection{})
				return err
			})
			winner := oneWinner(t, errs, scim.ErrPreconditionFailed)
			got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
			require.NoError(t, err)
			assert.Equal(t, tt.want(winner), tt.check(got), "only the winner's PATCH is stored")
		})
	}
}

// concurrentDeletes deletes one resource from 20 goroutines with the same
// version: one delete succeeds and the others fail with
// ErrPreconditionFailed or ErrNotFound.
func (s suite) concurrentDeletes(t *testing.T) {
	st := s.stores(t)
	u := s.user(t, st.Users, "doomed", nil)
	errs := concurrently(20, func(int) error { return st.Users.Delete(ctx, u.ID, u.Meta.Version) })
	deleted := 0
	for _, err := range errs {
		if err == nil {
			deleted++
			continue
		}
		if !errors.Is(err, scim.ErrNotFound) {
			assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
		}
	}
	assert.Equal(t, 1, deleted, "exactly one delete succeeds")
	_, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
}

// patchRequest parses a PatchOp body's operations.
func patchRequest(rt *schema.ResourceType, ops string) (*patch.Request, error) {
	body, err := schema.Decode(stringsReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	if err != nil {
		return nil, err
	}
	return patch.Parse(body, rt, patch.Options{})
}
