package memory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := memory.New()
		return storetest.Stores{Users: db.Users(), Groups: db.Groups()}
	})
}

var ctx = context.Background()

func fill(b *testing.B, n int) (*memory.DB, *schema.ResourceType) {
	db := memory.New()
	for i := 0; i < n; i++ {
		_, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{
			"userName": fmt.Sprintf("user%d@example.com", i), "externalId": fmt.Sprint(i), "active": true,
			"name":   map[string]any{"givenName": "Given", "familyName": fmt.Sprint("Family", i)},
			"emails": []any{map[string]any{"value": fmt.Sprintf("user%d@example.com", i), "type": "work", "primary": true}},
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db, schema.UserResourceType()
}

// BenchmarkListUserNameEq looks a user up by userName, as identity
// providers do before every create: an index lookup, flat in the number
// of users.
func BenchmarkListUserNameEq(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db, rt := fill(b, n)
			e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%d@example.com"`, n/2), rt, filter.Options{})
			if err != nil {
				b.Fatal(err)
			}
			q := &scim.Query{Filter: e, StartIndex: 1, Count: 100}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				page, err := db.Users().List(ctx, q)
				if err != nil || page.TotalResults != 1 {
					b.Fatal(err, page)
				}
			}
		})
	}
}

// BenchmarkPatchAddMember adds and removes one member of a large group
// through the native Patcher: flat in the group's size.
func BenchmarkPatchAddMember(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db := memory.New()
			rt := schema.GroupResourceType()
			members := make([]any, n)
			for i := range members {
				members[i] = map[string]any{"value": fmt.Sprint("member-", i)}
			}
			g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Big", "members": members}})
			if err != nil {
				b.Fatal(err)
			}
			add := request(b, rt, `[{"op":"add","path":"members","value":[{"value":"new"}]}]`)
			remove := request(b, rt, `[{"op":"remove","path":"members[value eq \"new\"]"}]`)
			p := schema.Projection{ExcludedAttributes: []string{"members"}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := add
				if i%2 == 1 {
					req = remove
				}
				if _, res, err := db.Groups().Patch(ctx, g.ID, req, "", p); err != nil || !res.Changed {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetGroupExcludeMembers reads a group of 100,000 members without
// them.
func BenchmarkGetGroupExcludeMembers(b *testing.B) {
	db := memory.New()
	members := make([]any, 100000)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprint("member-", i)}
	}
	g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Big", "members": members}})
	if err != nil {
		b.Fatal(err)
	}
	p := schema.Projection{ExcludedAttributes: []string{"members"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Groups().Get(ctx, g.ID, p); err != nil {
			b.Fatal(err)
		}
	}
}

func request(b *testing.B, rt *schema.ResourceType, ops string) *patch.Request {
	body, err := schema.Decode(strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`))
	if err != nil {
		b.Fatal(err)
	}
	req, err := patch.Parse(body, rt, patch.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return req
}
