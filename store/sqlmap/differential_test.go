package sqlmap_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store/memory"
)

// value pools with case variants, so that random filters match: ASCII
// ones, and pairs that only Unicode case folding relates (Ä/ä, final and
// medial sigma, the Kelvin sign and k, long s and s, dotted and dotless i),
// which the fold columns must compare as the memory store does.
var (
	diffWords = []string{"alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma", "alphabet", "a",
		"Ärger", "ärger", "ÄRGER", "σοφός", "ΣΟΦΌΣ", "σοφόσ", "\u212aelvin", "kelvin", "\u017ftop", "stop", "İi", "ıI", "é", "É"}
	diffEmails = []string{"a@x.com", "A@X.COM", "b@x.org", "alpha@x.com", "ärger@x.com", "ÄRGER@X.COM", "σ@x.gr", "Σ@X.GR"}
	diffCodes  = []string{"1", "2", "10", "01", "ß", "ẞ"}
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
				if i%4 == 0 {
					// Every fourth query is sorted too: the stores must
					// agree on the order of the sort keys (ties may come
					// in any order).
					by, err := filter.ParseAttrPath(pick(r, diffSortPaths), rt)
					require.NoError(t, err)
					q.SortBy, q.Descending = &by, r.Intn(2) == 0
					f += " sortBy " + by.String()
				}
				want, err := mem.List(ctx, q)
				require.NoError(t, err, f)
				got, err := st.Users().List(ctx, q)
				require.NoError(t, err, f)
				if !assert.ElementsMatch(t, userNames(want), userNames(got), f) {
					return
				}
				assert.Equal(t, want.TotalResults, got.TotalResults, f)
				if q.SortBy != nil && !assert.Equal(t, sortKeys(want, *q.SortBy), sortKeys(got, *q.SortBy), f+" (descending %v)", q.Descending) {
					return
				}
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

// diffSortPaths are the case-insensitive paths the differential sorts by.
var diffSortPaths = []string{"userName", "displayName", "name.familyName", "name.givenName", "emails", "preferredLanguage"}

// sortKeys returns the folded sort value of each resource of p in order,
// "" for none: two stores that agree on the order give the same keys,
// whatever order they give resources whose keys tie.
func sortKeys(p *scim.Page, by filter.AttrPath) []string {
	out := make([]string, len(p.Resources))
	for i, r := range p.Resources {
		var v any = r.Attributes
		for _, part := range strings.Split(by.String(), ".") {
			m, _ := v.(map[string]any)
			v = m[part]
		}
		if list, ok := v.([]any); ok && len(list) > 0 { // emails: the primary (first) value
			m, _ := list[0].(map[string]any)
			v = m["value"]
		}
		s, _ := v.(string)
		out[i] = filter.FoldString(s)
	}
	return out
}
