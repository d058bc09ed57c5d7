package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

const enterprise = schema.EnterpriseUserSchemaURN

// pools of values, with case variants, so that random filters match.
var (
	words   = []string{"alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma", "alphabet", "a", "", "b@x.org", "A@X.COM"}
	emails  = []string{"a@x.com", "A@X.COM", "b@x.org", "c@y.net", "alpha@x.com"}
	types   = []string{"work", "home", "Work", "other"}
	numbers = []string{"1", "2", "10", "01"}
)

func pick(r *rand.Rand, pool []string) string { return pool[r.Intn(len(pool))] }

// randomUser returns the attributes of a random user.
func randomUser(r *rand.Rand, i int) map[string]any {
	u := map[string]any{"userName": fmt.Sprintf("user%03d%s", i, pick(r, []string{"", "X", "x"}))}
	maybe := func(key string, v func() any) {
		if r.Intn(3) > 0 {
			u[key] = v()
		}
	}
	maybe("title", func() any { return pick(r, words) })
	maybe("nickName", func() any { return pick(r, words) })
	maybe("displayName", func() any { return pick(r, words) })
	maybe("externalId", func() any { return pick(r, words) })
	maybe("active", func() any { return r.Intn(2) == 0 })
	maybe("name", func() any {
		return map[string]any{"familyName": pick(r, words), "givenName": pick(r, words)}
	})
	maybe("emails", func() any {
		n := 1 + r.Intn(3)
		list := make([]any, n)
		primary := r.Intn(n + 1)
		for j := range list {
			e := map[string]any{"value": pick(r, emails), "type": pick(r, types)}
			if j == primary {
				e["primary"] = true
			}
			list[j] = e
		}
		return list
	})
	maybe(enterprise, func() any { return map[string]any{"employeeNumber": pick(r, numbers)} })
	if s, ok := u["externalId"].(string); ok && s == "" {
		delete(u, "externalId")
	}
	return u
}

var attrs = []string{"userName", "title", "nickName", "displayName", "externalId", "active", "emails", "emails.value",
	"emails.type", "emails.primary", "name.familyName", "name.givenName", "name", enterprise + ":employeeNumber",
	"meta.created", "meta.resourceType", "schemas", "favouriteColour"}

var ops = []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"}

func randomValue(r *rand.Rand, attr string) string {
	switch {
	case strings.HasSuffix(attr, "active") || strings.HasSuffix(attr, "primary"):
		return pick(r, []string{"true", "false", `"True"`})
	case strings.HasPrefix(attr, "meta.created"):
		return pick(r, []string{`"2000-01-01T00:00:00Z"`, `"2100-01-01T00:00:00+02:00"`})
	case attr == "schemas":
		return pick(r, []string{`"` + enterprise + `"`, `"urn:ietf:params:scim:schemas:core:2.0:User"`, `"urn:x"`})
	case strings.Contains(attr, "email"):
		return `"` + pick(r, append(emails, "x.com", "A", "@")) + `"`
	case strings.HasSuffix(attr, "type"):
		return `"` + pick(r, types) + `"`
	case strings.HasSuffix(attr, "employeeNumber"):
		return `"` + pick(r, numbers) + `"`
	}
	return `"` + pick(r, words) + `"`
}

func randomCompare(r *rand.Rand, attr string) string {
	op := pick(r, ops)
	if op == "pr" {
		return attr + " pr"
	}
	if r.Intn(20) == 0 {
		return attr + " " + op + " null"
	}
	return attr + " " + op + " " + randomValue(r, attr)
}

func randomFilter(r *rand.Rand, depth int) string {
	switch n := r.Intn(10); {
	case depth > 0 && n < 2:
		return "(" + randomFilter(r, depth-1) + ") " + pick(r, []string{"and", "or"}) + " (" + randomFilter(r, depth-1) + ")"
	case depth > 0 && n < 3:
		return "not (" + randomFilter(r, depth-1) + ")"
	case n < 4:
		inner := randomCompare(r, pick(r, []string{"value", "type", "primary", "display"}))
		if r.Intn(2) == 0 {
			inner += " " + pick(r, []string{"and", "or"}) + " " + randomCompare(r, pick(r, []string{"value", "type", "primary"}))
		}
		return "emails[" + inner + "]"
	}
	return randomCompare(r, pick(r, attrs))
}

// TestDifferential gives the same random users to the memory store and the
// SQL store and checks that 10,000 random filters, with random sorting,
// select the same users in the same order.
func TestDifferential(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the dialects share nothing; this halves the wall time under -race
			sqlDB := open(t)
			mem := memory.New()
			ctx := context.Background()
			r := rand.New(rand.NewSource(7))
			for i := 0; i < 80; i++ {
				u := randomUser(r, i)
				_, err := mem.Users().Create(ctx, &scim.Resource{Attributes: u})
				require.NoError(t, err)
				_, err = sqlDB.Users().Create(ctx, &scim.Resource{Attributes: u})
				require.NoError(t, err)
			}
			rt := schema.UserResourceType()
			compared := 0
			for compared < 10000 {
				f := randomFilter(r, 3)
				e, err := filter.Parse(f, rt, filter.Options{})
				if err != nil {
					continue // not a valid filter for these types
				}
				q := &scim.Query{Filter: e, StartIndex: 1, Count: 1000}
				if r.Intn(3) == 0 {
					by, err := filter.ParseAttrPath(pick(r, []string{"userName", "title", "nickName", "active", "emails", "emails.type", "name.familyName", enterprise + ":employeeNumber", "externalId"}), rt)
					require.NoError(t, err)
					q.SortBy, q.Descending = &by, r.Intn(2) == 0
				}
				want, err := mem.Users().List(ctx, q)
				require.NoError(t, err)
				got, err := sqlDB.Users().List(ctx, q)
				require.NoError(t, err, "filter %s", f)
				wantNames, gotNames := userNames(want), userNames(got)
				if q.SortBy == nil {
					require.ElementsMatch(t, wantNames, gotNames, "filter %s", f)
				} else {
					require.Equal(t, wantNames, gotNames, "filter %s sortBy %s desc %v", f, q.SortBy, q.Descending)
				}
				require.Equal(t, want.TotalResults, got.TotalResults, "filter %s", f)
				compared++
			}
		})
	}
}

func userNames(p *scim.Page) []string {
	out := []string{}
	for _, r := range p.Resources {
		out = append(out, r.Attributes["userName"].(string))
	}
	return out
}
