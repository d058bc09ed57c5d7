package sqlmap_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store/memory"
)

// value pools with case variants, so that random filters match.
var (
	diffWords  = []string{"alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma", "alphabet", "a"}
	diffEmails = []string{"a@x.com", "A@X.COM", "b@x.org", "alpha@x.com"}
	diffCodes  = []string{"1", "2", "10", "01"}
)

func pick(r *rand.Rand, pool []string) string { return pool[r.Intn(len(pool))] }

// randomHostUser returns a user with a random subset of the mapped attributes.
func randomHostUser(r *rand.Rand, i int) map[string]any {
	u := map[string]any{"userName": fmt.Sprintf("user%03d%s", i, pick(r, []string{"", "X", "x"}))}
	maybe := func(key string, v func() any) {
		if r.Intn(3) > 0 {
			u[key] = v()
		}
	}
	maybe("displayName", func() any { return pick(r, diffWords) })
	maybe("externalId", func() any { return pick(r, diffWords) })
	maybe("preferredLanguage", func() any { return pick(r, diffWords) })
	maybe("active", func() any { return r.Intn(2) == 0 })
	maybe("name", func() any { return map[string]any{"familyName": pick(r, diffWords), "givenName": pick(r, diffWords)} })
	maybe("emails", func() any { return []any{map[string]any{"value": pick(r, diffEmails), "type": "work"}} })
	maybe(enterprise, func() any { return map[string]any{"employeeNumber": pick(r, diffCodes)} })
	return u
}

var diffAttrs = []string{"userName", "displayName", "externalId", "preferredLanguage", "active", "emails", "emails.value",
	"name.familyName", "name.givenName", enterprise + ":employeeNumber", "nickName"}

func randomHostFilter(r *rand.Rand, depth int) string {
	switch n := r.Intn(10); {
	case depth > 0 && n < 2:
		return "(" + randomHostFilter(r, depth-1) + ") " + pick(r, []string{"and", "or"}) + " (" + randomHostFilter(r, depth-1) + ")"
	case depth > 0 && n < 3:
		return "not (" + randomHostFilter(r, depth-1) + ")"
	}
	attr := pick(r, diffAttrs)
	op := pick(r, []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"})
	if op == "pr" {
		return attr + " pr"
	}
	value := `"` + pick(r, append(append(diffWords, diffEmails...), diffCodes...)) + `"`
	if attr == "active" {
		op, value = pick(r, []string{"eq", "ne"}), pick(r, []string{"true", "false"})
	}
	return attr + " " + op + " " + value
}

// TestDifferential gives the same random users to a mapped host table and
// to the memory store serving the same trimmed resource type, and checks
// that 2,000 random filters (seeded) select the same users.
func TestDifferential(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			st := newStores(t, dialect, false)
			rt := st.Users().ResourceType()
			mem := memory.NewStore(rt)
			r := rand.New(rand.NewSource(13))
			for i := 0; i < 60; i++ {
				kept, err := st.Users().Create(ctx, &scim.Resource{Attributes: randomHostUser(r, i)})
				require.NoError(t, err)
				_, err = mem.Create(ctx, &scim.Resource{Attributes: kept.Attributes})
				require.NoError(t, err)
			}
			for i := 0; i < 2000; i++ {
				f := randomHostFilter(r, 2)
				expr, err := filter.Parse(f, rt, filter.Options{})
				require.NoError(t, err, f)
				q := &scim.Query{Filter: expr, Count: 1000}
				want, err := mem.List(ctx, q)
				require.NoError(t, err, f)
				got, err := st.Users().List(ctx, q)
				require.NoError(t, err, f)
				if !assert.ElementsMatch(t, userNames(want), userNames(got), f) {
					return
				}
				assert.Equal(t, want.TotalResults, got.TotalResults, f)
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
