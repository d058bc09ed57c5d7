// Package storetest is a conformance suite for scim.ResourceStore
// implementations. A store runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Stores {
//			db := memory.New()
//			return storetest.Stores{Users: db.Users(), Groups: db.Groups()}
//		})
//	}
//
// The suite checks what the server relies on: CRUD, sentinel errors,
// uniqueness, versions, filters, sorting, paging, projection and group
// membership (including a user's computed "groups"), native PATCH when
// the store implements scim.Patcher, and concurrent writers: creates of one
// userName, writes that carry the same version, and member adds to one
// group, where exactly one writer must win or none may be lost. Run it with
// the race detector.
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

// Stores are the stores under test: Users serves the User resource type of
// schema.UserResourceType and Groups the Group resource type, over shared
// membership.
type Stores struct {
	Users, Groups scim.ResourceStore
}

// Run runs the suite. newStores must return fresh, empty stores each time
// it is called.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	s := suite{newStores: newStores, users: schema.UserResourceType(), groups: schema.GroupResourceType()}
	t.Run("CreateAndGet", s.createAndGet)
	t.Run("NotFound", s.notFound)
	t.Run("Replace", s.replace)
	t.Run("Delete", s.delete)
	t.Run("Uniqueness", s.uniqueness)
	t.Run("ConcurrentCreatesOfOneUserName", s.concurrentCreates)
	t.Run("Versions", s.versions)
	t.Run("Filters", s.filters)
	t.Run("SortAndPage", s.sortAndPage)
	t.Run("Membership", s.membership)
	t.Run("ProjectionSkipsMembers", s.projectionSkipsMembers)
	t.Run("Patch", s.patch)
	t.Run("ReturnedResourcesAreCopies", s.copies)
	t.Run("ConcurrentMemberAdds", s.concurrentMemberAdds)
	t.Run("ConcurrentCreatesLeaveOneResource", s.concurrentCreatesLeaveOne)
	t.Run("ConcurrentReplacesOfOneVersion", s.concurrentReplaces)
	t.Run("ConcurrentPatchesOfOneVersion", s.concurrentPatches)
	t.Run("ConcurrentDeletesOfOneVersion", s.concurrentDeletes)
	t.Run("ConcurrentMemberAddsOfUsers", s.concurrentMemberAddsOfUsers)
	t.Run("Cursor", s.cursor)
}

type suite struct {
	newStores     func(t *testing.T) Stores
	users, groups *schema.ResourceType
}

var ctx = context.Background()

func (s suite) user(t *testing.T, st scim.ResourceStore, userName string, extra map[string]any) *scim.Resource {
	t.Helper()
	attrs := map[string]any{"userName": userName, "active": true}
	for k, v := range extra {
		attrs[k] = v
	}
	r, err := st.Create(ctx, &scim.Resource{Attributes: attrs})
	require.NoError(t, err)
	return r
}

func (s suite) group(t *testing.T, st scim.ResourceStore, name string, members ...string) *scim.Resource {
	t.Helper()
	attrs := map[string]any{"displayName": name}
	if len(members) > 0 {
		list := make([]any, len(members))
		for i, id := range members {
			list[i] = map[string]any{"value": id}
		}
		attrs["members"] = list
	}
	r, err := st.Create(ctx, &scim.Resource{Attributes: attrs})
	require.NoError(t, err)
	return r
}

func (s suite) createAndGet(t *testing.T) {
	st := s.newStores(t)
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
	assert.Equal(t, map[string]any{"givenName": "Barbara"}, got.Attributes["name"])
	assert.Equal(t, created.Meta.Version, got.Meta.Version)

	other := s.user(t, st.Users, "other", nil)
	assert.NotEqual(t, created.ID, other.ID, "ids are unique")
}

func (s suite) notFound(t *testing.T) {
	st := s.newStores(t)
	_, err := st.Users.Get(ctx, "missing", schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: "missing", Attributes: map[string]any{"userName": "x"}}, "")
	assert.ErrorIs(t, err, scim.ErrNotFound)
	assert.ErrorIs(t, st.Users.Delete(ctx, "missing", ""), scim.ErrNotFound)
}

func (s suite) replace(t *testing.T) {
	st := s.newStores(t)
	u := s.user(t, st.Users, "bjensen", map[string]any{"nickName": "Babs"})
	r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{"userName": "bjensen", "title": "Guide"}}, "")
	require.NoError(t, err)
	assert.Equal(t, "Guide", r.Attributes["title"])
	assert.NotContains(t, r.Attributes, "nickName", "replace replaces every attribute")
	assert.True(t, r.Meta.Created.Equal(u.Meta.Created), "Created is kept")
	assert.False(t, r.Meta.LastModified.Before(u.Meta.LastModified))
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "Guide", got.Attributes["title"])
}

func (s suite) delete(t *testing.T) {
	st := s.newStores(t)
	u := s.user(t, st.Users, "gone", nil)
	require.NoError(t, st.Users.Delete(ctx, u.ID, ""))
	_, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
	s.user(t, st.Users, "gone", nil) // the userName is free again
	page, err := st.Users.List(ctx, &scim.Query{Count: 10})
	require.NoError(t, err)
	assert.Equal(t, 1, page.TotalResults)
}

func (s suite) uniqueness(t *testing.T) {
	st := s.newStores(t)
	u := s.user(t, st.Users, "bjensen", nil)
	_, err := st.Users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": "BJensen"}})
	assert.ErrorIs(t, err, scim.ErrConflict, "userName is unique regardless of case")
	other := s.user(t, st.Users, "alice", nil)
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: other.ID, Attributes: map[string]any{"userName": "BJENSEN"}}, "")
	assert.ErrorIs(t, err, scim.ErrConflict)
	got, err := st.Users.Get(ctx, other.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "alice", got.Attributes["userName"], "a conflicting replace changes nothing")
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{"userName": "BJENSEN"}}, "")
	assert.NoError(t, err, "a resource may change the case of its own userName")
}

func (s suite) concurrentCreates(t *testing.T) {
	st := s.newStores(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = st.Users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("Same%c", "eE"[i%2])}})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, scim.ErrConflict)
		}
	}
	assert.Equal(t, 1, ok, "exactly one create of a userName succeeds")
}

func (s suite) versions(t *testing.T) {
	st := s.newStores(t)
	u := s.user(t, st.Users, "v", nil)
	v1 := u.Meta.Version
	r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{"userName": "v", "title": "a"}}, v1)
	require.NoError(t, err)
	v2 := r.Meta.Version
	assert.NotEqual(t, v1, v2, "every write changes the version")
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{"userName": "v", "title": "b"}}, v1)
	assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
	assert.ErrorIs(t, st.Users.Delete(ctx, u.ID, v1), scim.ErrPreconditionFailed)
	if p, ok := st.Users.(scim.Patcher); ok {
		_, _, err := p.Patch(ctx, u.ID, s.patchRequest(t, s.users, `[{"op":"replace","path":"title","value":"c"}]`), v1, schema.Projection{})
		assert.ErrorIs(t, err, scim.ErrPreconditionFailed)
	}
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, "a", got.Attributes["title"], "stale writes change nothing")
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
	st := s.newStores(t)
	s.user(t, st.Users, "bjensen", map[string]any{"externalId": "E1", "title": "Guide",
		"emails":                       []any{map[string]any{"value": "b@example.com", "type": "work"}},
		schema.EnterpriseUserSchemaURN: map[string]any{"employeeNumber": "7"}})
	s.user(t, st.Users, "alice", map[string]any{"externalId": "e1", "active": false,
		"emails": []any{map[string]any{"value": "a@example.org", "type": "home"}}})
	s.user(t, st.Users, "carol", map[string]any{"title": "Boss"})
	tests := []struct {
		filter string
		want   []string
	}{
		{`userName eq "BJENSEN"`, []string{"bjensen"}},
		{`userName eq "nobody"`, []string{}},
		{`externalId eq "E1"`, []string{"bjensen"}},
		{`externalId eq "e1"`, []string{"alice"}},
		{`id eq "nope"`, []string{}},
		{`userName sw "a"`, []string{"alice"}},
		{`userName co "o"`, []string{"carol"}},
		{`title pr`, []string{"bjensen", "carol"}},
		{`title pr and active eq true`, []string{"bjensen", "carol"}},
		{`userName eq "alice" or userName eq "carol"`, []string{"alice", "carol"}},
		{`userName eq "alice" and active eq true`, []string{}},
		{`not (title pr)`, []string{"alice"}},
		{`emails[type eq "work" and value co "@example.com"]`, []string{"bjensen"}},
		{`emails.value ew ".org"`, []string{"alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`, []string{"bjensen"}},
		{`meta.created gt "2000-01-01T00:00:00Z"`, []string{"bjensen", "alice", "carol"}},
		{`meta.resourceType eq "User"`, []string{"bjensen", "alice", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			page, err := st.Users.List(ctx, s.query(t, s.users, tt.filter))
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, names(page, "userName"))
			assert.Equal(t, len(tt.want), page.TotalResults)
		})
	}
	g := s.group(t, st.Groups, "Tour Guides")
	page, err := st.Groups.List(ctx, s.query(t, s.groups, `displayName eq "tour guides"`))
	require.NoError(t, err)
	require.Len(t, page.Resources, 1)
	assert.Equal(t, g.ID, page.Resources[0].ID)
}

func (s suite) sortAndPage(t *testing.T) {
	st := s.newStores(t)
	for _, n := range []string{"dave", "Alice", "carol", "bob", "eve"} {
		extra := map[string]any{}
		if n != "eve" {
			extra["title"] = "T-" + n
		}
		s.user(t, st.Users, n, extra)
	}
	page, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	assert.Equal(t, []string{"dave", "Alice", "carol", "bob", "eve"}, names(page, "userName"), "creation order without sortBy")

	sorted := func(by string, desc bool, start, count int) (*scim.Page, []string) {
		q := s.query(t, s.users, "")
		p, err := filter.ParseAttrPath(by, s.users)
		require.NoError(t, err)
		q.SortBy, q.Descending, q.StartIndex, q.Count = &p, desc, start, count
		page, err := st.Users.List(ctx, q)
		require.NoError(t, err)
		return page, names(page, "userName")
	}
	_, got := sorted("userName", false, 1, 10)
	assert.Equal(t, []string{"Alice", "bob", "carol", "dave", "eve"}, got, "userName sorts case-insensitively")
	_, got = sorted("userName", true, 1, 10)
	assert.Equal(t, []string{"eve", "dave", "carol", "bob", "Alice"}, got)
	_, got = sorted("title", true, 1, 10)
	assert.Equal(t, []string{"eve", "dave", "carol", "bob", "Alice"}, got, "missing values sort first descending (RFC 7644 §3.4.2.3)")
	page, got = sorted("userName", false, 2, 2)
	assert.Equal(t, []string{"bob", "carol"}, got)
	assert.Equal(t, 5, page.TotalResults)
	page, got = sorted("userName", false, 5, 10)
	assert.Equal(t, []string{"eve"}, got)
	assert.Equal(t, 5, page.TotalResults)
	page, got = sorted("userName", false, 9, 10)
	assert.Empty(t, got)
	assert.Equal(t, 5, page.TotalResults)
	page, got = sorted("userName", false, 1, 0)
	assert.Empty(t, got, "count 0 returns only the total")
	assert.Equal(t, 5, page.TotalResults)
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
	st := s.newStores(t)
	alice := s.user(t, st.Users, "alice", nil)
	bob := s.user(t, st.Users, "bob", nil)
	g := s.group(t, st.Groups, "Teachers", alice.ID, bob.ID)
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{alice.ID, bob.ID}, patch.MemberIDs(got.Attributes))

	u, err := st.Users.Get(ctx, alice.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, []string{g.ID}, groupIDs(u), "a user's groups come from membership")
	assert.Equal(t, "Teachers", u.Attributes["groups"].([]any)[0].(map[string]any)["display"])

	// A list shows each user's groups too, ordered by display name.
	admins := s.group(t, st.Groups, "Admins", alice.ID)
	s.user(t, st.Users, "dora", nil)
	page, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	byName := map[string][]string{}
	for _, r := range page.Resources {
		byName[r.Attributes["userName"].(string)] = groupIDs(r)
	}
	assert.Equal(t, map[string][]string{"alice": {admins.ID, g.ID}, "bob": {g.ID}, "dora": nil}, byName)
	_, err = st.Groups.Replace(ctx, &scim.Resource{ID: admins.ID, Attributes: map[string]any{"displayName": "Admins"}}, "")
	require.NoError(t, err)

	// groups is read-only: a user write cannot change it.
	_, err = st.Users.Replace(ctx, &scim.Resource{ID: bob.ID, Attributes: map[string]any{"userName": "bob", "groups": []any{}}}, "")
	require.NoError(t, err)
	b, err := st.Users.Get(ctx, bob.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, []string{g.ID}, groupIDs(b))

	// Replacing the group's members updates the users' groups.
	_, err = st.Groups.Replace(ctx, &scim.Resource{ID: g.ID, Attributes: map[string]any{"displayName": "Teachers",
		"members": []any{map[string]any{"value": bob.ID}}}}, "")
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
	g2 := s.group(t, st.Groups, "Admins", carol.ID)
	require.NoError(t, st.Groups.Delete(ctx, g2.ID, ""))
	c, err := st.Users.Get(ctx, carol.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Empty(t, groupIDs(c))

	// Filtering groups by member.
	s.group(t, st.Groups, "Readers", carol.ID)
	page, err = st.Groups.List(ctx, s.query(t, s.groups, `members[value eq "`+carol.ID+`"]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"Readers"}, names(page, "displayName"))
}

func (s suite) projectionSkipsMembers(t *testing.T) {
	st := s.newStores(t)
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
	list, err := schema.Decode(stringsReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	require.NoError(t, err)
	req, err := patch.Parse(list, rt, patch.Options{})
	require.NoError(t, err)
	return req
}

func (s suite) patch(t *testing.T) {
	st := s.newStores(t)
	p, ok := st.Groups.(scim.Patcher)
	if !ok {
		t.Log("the Groups store does not implement scim.Patcher; the server applies PATCH with Get and Replace")
		return
	}
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

	if up, ok := st.Users.(scim.Patcher); ok {
		s.user(t, st.Users, "taken", nil)
		_, _, err := up.Patch(ctx, bob.ID, s.patchRequest(t, s.users, `[{"op":"replace","path":"userName","value":"TAKEN"}]`), "", schema.Projection{})
		assert.ErrorIs(t, err, scim.ErrConflict, "PATCH enforces uniqueness")
	}
}

func (s suite) copies(t *testing.T) {
	st := s.newStores(t)
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

func (s suite) concurrentMemberAdds(t *testing.T) {
	st := s.newStores(t)
	g := s.group(t, st.Groups, "Crowd")
	const n = 50
	ids := make([]string, n) // members refer to resources that exist
	for i := range ids {
		u, err := st.Users.Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("member-%d", i)}})
		require.NoError(t, err)
		ids[i] = u.ID
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ops := fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, ids[i])
			if p, ok := st.Groups.(scim.Patcher); ok {
				_, _, errs[i] = p.Patch(ctx, g.ID, s.patchRequest(t, s.groups, ops), "", schema.Projection{})
				return
			}
			for attempt := 0; attempt < 100; attempt++ {
				cur, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
				if err != nil {
					errs[i] = err
					return
				}
				attrs, _, err := patch.Apply(s.groups, cur.Attributes, s.patchRequest(t, s.groups, ops), patch.Options{})
				if err != nil {
					errs[i] = err
					return
				}
				_, errs[i] = st.Groups.Replace(ctx, &scim.Resource{ID: g.ID, Attributes: attrs}, cur.Meta.Version)
				if !errors.Is(errs[i], scim.ErrPreconditionFailed) {
					return
				}
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Len(t, patch.MemberIDs(got.Attributes), n, "no concurrent member add is lost")
}

func (s suite) cursor(t *testing.T) {
	st := s.newStores(t)
	lister, ok := st.Users.(scim.CursorLister)
	if !ok {
		t.Log("the Users store does not implement scim.CursorLister")
		return
	}
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
// and returns their errors.
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
	st := s.newStores(t)
	const n = 20
	ids := make([]string, n)
	errs := concurrently(n, func(i int) error {
		r, err := st.Users.Create(ctx, &scim.Resource{Attributes: map[string]any{
			"userName": "race@example.com", "displayName": fmt.Sprintf("writer %d", i)}})
		if err == nil {
			ids[i] = r.ID
		}
		return err
	})
	winner := oneWinner(t, errs, scim.ErrConflict)
	page, err := st.Users.List(ctx, s.query(t, s.users, `userName eq "RACE@example.com"`))
	require.NoError(t, err)
	require.Equal(t, 1, page.TotalResults, "exactly one user holds the userName")
	assert.Equal(t, ids[winner], page.Resources[0].ID)
	assert.Equal(t, fmt.Sprintf("writer %d", winner), page.Resources[0].Attributes["displayName"])
	all, err := st.Users.List(ctx, s.query(t, s.users, ""))
	require.NoError(t, err)
	assert.Equal(t, 1, all.TotalResults, "failed creates leave nothing behind")
}

// concurrentReplaces replaces one resource from 20 goroutines that all
// read the same version: one replace succeeds, the others fail with
// ErrPreconditionFailed, and the stored resource is the winner's.
func (s suite) concurrentReplaces(t *testing.T) {
	st := s.newStores(t)
	u := s.user(t, st.Users, "contended", nil)
	const n = 20
	versions := make([]string, n)
	errs := concurrently(n, func(i int) error {
		r, err := st.Users.Replace(ctx, &scim.Resource{ID: u.ID, Attributes: map[string]any{
			"userName": "contended", "title": fmt.Sprintf("writer %d", i)}}, u.Meta.Version)
		if err == nil {
			versions[i] = r.Meta.Version
		}
		return err
	})
	winner := oneWinner(t, errs, scim.ErrPreconditionFailed)
	got, err := st.Users.Get(ctx, u.ID, schema.Projection{})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("writer %d", winner), got.Attributes["title"], "the stored resource is the winner's")
	assert.Equal(t, versions[winner], got.Meta.Version)
	assert.NotEqual(t, u.Meta.Version, got.Meta.Version)
}

// concurrentPatches is concurrentReplaces for a store's native PATCH, on
// a group's displayName and on its members.
func (s suite) concurrentPatches(t *testing.T) {
	st := s.newStores(t)
	p, ok := st.Groups.(scim.Patcher)
	if !ok {
		t.Log("the Groups store does not implement scim.Patcher")
		return
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
		// check returns what identifies the stored outcome.
		check func(r *scim.Resource) string
	}{
		{"displayName", func(i int) string {
			return fmt.Sprintf(`[{"op":"replace","path":"displayName","value":"writer %d"}]`, i)
		}, func(r *scim.Resource) string { return r.Attributes["displayName"].(string) }},
		{"members", func(i int) string {
			return fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, writers[i])
		}, func(r *scim.Resource) string {
			// members refer to resources that exist: writer i is the
			// user with id writers[i].
			ids := patch.MemberIDs(r.Attributes)
			for i, id := range writers {
				if len(ids) == 1 && ids[0] == id {
					return fmt.Sprintf("writer %d", i)
				}
			}
			return strings.Join(ids, ",")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := s.group(t, st.Groups, "Contended")
			const n = 20
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
			assert.Equal(t, fmt.Sprintf("writer %d", winner), tt.check(got), "only the winner's PATCH is stored")
		})
	}
}

// concurrentDeletes deletes one resource from 20 goroutines with the same
// version: one delete succeeds and the others fail with
// ErrPreconditionFailed or ErrNotFound.
func (s suite) concurrentDeletes(t *testing.T) {
	st := s.newStores(t)
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

// concurrentMemberAddsOfUsers adds 50 existing users to one group at once,
// each with its own PATCH (or read-modify-write without If-Match when the
// store has no Patcher): the group lists all 50 and each user's groups
// lists the group.
func (s suite) concurrentMemberAddsOfUsers(t *testing.T) {
	st := s.newStores(t)
	const n = 50
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.user(t, st.Users, fmt.Sprintf("member%02d", i), nil).ID
	}
	g := s.group(t, st.Groups, "Everyone")
	errs := concurrently(n, func(i int) error {
		req, err := patchRequest(s.groups, fmt.Sprintf(`[{"op":"add","path":"members","value":[{"value":%q}]}]`, ids[i]))
		if err != nil {
			return err
		}
		if p, ok := st.Groups.(scim.Patcher); ok {
			_, _, err := p.Patch(ctx, g.ID, req, "", schema.Projection{ExcludedAttributes: []string{"members"}})
			return err
		}
		for attempt := 0; attempt < 200; attempt++ {
			cur, err := st.Groups.Get(ctx, g.ID, schema.Projection{})
			if err != nil {
				return err
			}
			attrs, _, err := patch.Apply(s.groups, cur.Attributes, req, patch.Options{})
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
		require.NoError(t, err, "member %d", i)
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

// patchRequest parses a PatchOp body's operations without a *testing.T,
// for use in goroutines.
func patchRequest(rt *schema.ResourceType, ops string) (*patch.Request, error) {
	body, err := schema.Decode(stringsReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	if err != nil {
		return nil, err
	}
	return patch.Parse(body, rt, patch.Options{})
}
