package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

const enterprise = schema.EnterpriseUserSchemaURN

// pools of values, with case variants, so that random filters match:
// ASCII case pairs, and pairs that only Unicode folding matches (Greek
// final sigma, German ß and ẞ, Turkish dotted and dotless i, the Kelvin
// sign, the long s, titlecase digraphs).
var (
	words = []string{"alpha", "Alpha", "ALPHA", "beta", "Beta", "gamma", "alphabet", "a", "", "b@x.org", "A@X.COM",
		"ärger", "ÄRGER", "Ärger", "straße", "STRASSE", "STRAẞE", "σίσυφος", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "ς", "Σ", "σ",
		"ıi", "İI", "iI", "\u212aelvin", "kelvin", "KELVIN", "\u017ftop", "stop", "STOP", "ǆ", "ǅ", "Ǆ", "é", "É", "ÿ", "Ÿ"}
	emails  = []string{"a@x.com", "A@X.COM", "b@x.org", "c@y.net", "alpha@x.com", "ärger@x", "ÄRGER@x", "\u212a@x.com", "k@x.com"}
	types   = []string{"work", "home", "Work", "other", "WORK", "\u212aind", "kind"}
	numbers = []string{"1", "2", "10", "01"}
	names   = []string{"user", "ärger", "ÄRGER", "σ", "ς", "Σ", "ı", "I", "İ", "i", "\u212a", "k", "K", "ß", "ẞ", "ss"}
)

func pick(r *rand.Rand, pool []string) string { return pool[r.Intn(len(pool))] }

// randomUser returns the attributes of a random user.
func randomUser(r *rand.Rand, i int) map[string]any {
	u := map[string]any{"userName": pick(r, names) + pick(r, []string{"", "X", "x", "Σ", "ς"}) + fmt.Sprint(i%40)}
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
	multi := func(key string, value func() map[string]any) {
		maybe(key, func() any {
			n := 1 + r.Intn(3)
			list := make([]any, n)
			primary := r.Intn(n + 1)
			for j := range list {
				e := value()
				if r.Intn(4) > 0 {
					e["type"] = pick(r, types)
				}
				if j == primary {
					e["primary"] = true
				}
				list[j] = e
			}
			return list
		})
	}
	multi("emails", func() map[string]any { return map[string]any{"value": pick(r, emails)} })
	multi("phoneNumbers", func() map[string]any { return map[string]any{"value": pick(r, append(numbers, words...))} })
	multi("addresses", func() map[string]any {
		a := map[string]any{}
		for _, sub := range []string{"streetAddress", "locality", "country"} {
			if r.Intn(2) == 0 {
				a[sub] = pick(r, words)
			}
		}
		if len(a) == 0 {
			a["locality"] = pick(r, words)
		}
		return a
	})
	maybe(enterprise, func() any { return map[string]any{"employeeNumber": pick(r, numbers)} })
	for _, k := range []string{"externalId", "displayName"} {
		if s, ok := u[k].(string); ok && s == "" {
			delete(u, k)
		}
	}
	return u
}

var attrs = []string{"userName", "title", "nickName", "displayName", "externalId", "active", "emails", "emails.value",
	"emails.type", "emails.primary", "name.familyName", "name.givenName", "name", enterprise + ":employeeNumber",
	"meta.created", "meta.resourceType", "schemas", "favouriteColour", "phoneNumbers", "phoneNumbers.value",
	"phoneNumbers.type", "addresses", "addresses.locality", "addresses.streetAddress", "addresses.type",
	"addresses.primary", "meta", "meta.version", "meta.location", "meta.lastModified", "groups.display", "groups.type"}

var ops = []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"}

func randomValue(r *rand.Rand, attr string) string {
	switch {
	case strings.HasSuffix(attr, "active") || strings.HasSuffix(attr, "primary"):
		return pick(r, []string{"true", "false", `"True"`})
	case strings.HasPrefix(attr, "meta.created") || strings.HasPrefix(attr, "meta.lastModified"):
		return pick(r, []string{`"2000-01-01T00:00:00Z"`, `"2100-01-01T00:00:00+02:00"`})
	case attr == "meta.version":
		return pick(r, []string{`"W/\"1\""`, `"w/\"1\""`, `"W/"`, `"1"`})
	case attr == "meta" || attr == "meta.resourceType" || attr == "meta.location":
		return pick(r, []string{`"User"`, `"user"`, `"USER"`, `"Us"`, `"/Users"`})
	case attr == "schemas":
		return pick(r, []string{`"` + enterprise + `"`, `"urn:ietf:params:scim:schemas:core:2.0:User"`, `"urn:x"`})
	case strings.Contains(attr, "email"):
		return `"` + pick(r, append(emails, "x.com", "A", "@", "Ä", "ä", "k", "K")) + `"`
	case strings.HasSuffix(attr, "type"):
		return `"` + pick(r, append(types, "direct", "DIRECT")) + `"`
	case strings.HasSuffix(attr, "employeeNumber"):
		return `"` + pick(r, numbers) + `"`
	case attr == "userName":
		return `"` + pick(r, names) + pick(r, []string{"", "X", "x", "Σ", "ς", "σ"}) + pick(r, []string{"", "1", "2", "12"}) + `"`
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

// valueFilters are the multi-valued attributes a value path filters, with
// the sub-attributes its filter compares.
var valueFilters = map[string][]string{
	"emails":       {"value", "type", "primary", "display"},
	"phoneNumbers": {"value", "type", "primary"},
	"addresses":    {"locality", "streetAddress", "type", "primary", "country"},
	"groups":       {"display", "type"}, // not value: the stores' ids differ
}

var valueAttrs = []string{"emails", "phoneNumbers", "addresses", "groups"}

func randomFilter(r *rand.Rand, depth int) string {
	switch n := r.Intn(10); {
	case depth > 0 && n < 2:
		return "(" + randomFilter(r, depth-1) + ") " + pick(r, []string{"and", "or"}) + " (" + randomFilter(r, depth-1) + ")"
	case depth > 0 && n < 3:
		return "not (" + randomFilter(r, depth-1) + ")"
	case n < 4:
		attr := pick(r, valueAttrs)
		subs := valueFilters[attr]
		inner := randomCompare(r, pick(r, subs))
		switch r.Intn(3) {
		case 0:
			inner += " " + pick(r, []string{"and", "or"}) + " " + randomCompare(r, pick(r, subs))
		case 1:
			inner = "not (" + inner + ")"
		}
		return attr + "[" + inner + "]"
	}
	return randomCompare(r, pick(r, attrs))
}

var sortAttrs = []string{"userName", "title", "nickName", "displayName", "active", "emails", "emails.type",
	"name.familyName", enterprise + ":employeeNumber", "externalId", "addresses", "addresses.locality",
	"phoneNumbers", "phoneNumbers.type", "groups.display", "meta.resourceType", "name"}

// differentialFilters is how many random filters TestDifferential
// compares: fewer under the race detector, which slows every query.
func differentialFilters() int {
	if raceEnabled {
		return 400
	}
	return 10000
}

// TestDifferential gives the same random users and groups to the memory
// store and the SQL store and checks that random filters, with random
// sorting, select the same users in the same order as the memory
// evaluator (filter.Match over the memory store's documents, sorted by
// filter.CompareBy with RFC 7644's place for missing values). The
// generator is seeded: a failure names its filter and replays.
func TestDifferential(t *testing.T) {
	for name, open := range dialects() {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the dialects share nothing; this halves the wall time under -race
			sqlDB := open(t)
			mem := memory.New()
			ctx := context.Background()
			r := rand.New(rand.NewSource(7))
			var memIDs, sqlIDs []string
			for i := 0; i < 80; i++ {
				u := randomUser(r, i)
				m, merr := mem.Users().Create(ctx, &scim.Resource{Attributes: u})
				s, serr := sqlDB.Users().Create(ctx, &scim.Resource{Attributes: u})
				require.Equal(t, merr == nil, serr == nil, "creating %v: memory %v, SQL %v", u["userName"], merr, serr)
				if merr != nil {
					require.ErrorIs(t, merr, scim.ErrConflict)
					require.ErrorIs(t, serr, scim.ErrConflict)
					continue
				}
				memIDs, sqlIDs = append(memIDs, m.ID), append(sqlIDs, s.ID)
			}
			for g, display := range []string{"Ärger", "σίσυφος", "Kelvin", "straße", "beta"} {
				var memMembers, sqlMembers []any
				for j := range memIDs {
					if (j+g)%3 == 0 {
						memMembers = append(memMembers, map[string]any{"value": memIDs[j]})
						sqlMembers = append(sqlMembers, map[string]any{"value": sqlIDs[j]})
					}
				}
				_, err := mem.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": display, "members": memMembers}})
				require.NoError(t, err)
				_, err = sqlDB.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": display, "members": sqlMembers}})
				require.NoError(t, err)
			}
			rt := schema.UserResourceType()
			all, err := mem.Users().List(ctx, &scim.Query{StartIndex: 1, Count: 1000})
			require.NoError(t, err)
			docs := make([]map[string]any, len(all.Resources))
			for i, res := range all.Resources {
				docs[i] = scim.Document(rt, res)
			}
			compared := 0
			for compared < differentialFilters() {
				f := randomFilter(r, 3)
				e, err := filter.Parse(f, rt, filter.Options{})
				if err != nil {
					continue // not a valid filter for these types
				}
				q := &scim.Query{Filter: e, StartIndex: 1, Count: 1000}
				if r.Intn(3) == 0 {
					by, err := filter.ParseAttrPath(pick(r, sortAttrs), rt)
					require.NoError(t, err)
					q.SortBy, q.Descending = &by, r.Intn(2) == 0
				}
				want := evaluate(docs, q)
				got, err := sqlDB.Users().List(ctx, q)
				require.NoError(t, err, "filter %s", f)
				gotNames := userNames(got)
				if q.SortBy == nil {
					require.ElementsMatch(t, want, gotNames, "filter %s", f)
				} else {
					require.Equal(t, want, gotNames, "filter %s sortBy %s desc %v", f, q.SortBy, q.Descending)
				}
				require.Equal(t, len(want), got.TotalResults, "filter %s", f)
				compared++
			}
		})
	}
}

// evaluate answers q over docs, in creation order, as the memory store's
// evaluator does: filter.Match, then a stable sort by filter.CompareBy
// with the documents without a value last ascending and first descending
// (RFC 7644 §3.4.2.3). It returns the userNames.
func evaluate(docs []map[string]any, q *scim.Query) []string {
	var found []map[string]any
	for _, d := range docs {
		if filter.Match(q.Filter, d) {
			found = append(found, d)
		}
	}
	if q.SortBy != nil {
		by, desc := *q.SortBy, q.Descending
		hasValue := func(d map[string]any) bool { return filter.CompareBy(d, map[string]any{}, by, false) < 0 }
		sort.SliceStable(found, func(i, j int) bool {
			a, b := hasValue(found[i]), hasValue(found[j])
			if a != b {
				return a != desc
			}
			return a && filter.CompareBy(found[i], found[j], by, desc) < 0
		})
	}
	out := []string{}
	for _, d := range found {
		out = append(out, d["userName"].(string))
	}
	return out
}

func userNames(p *scim.Page) []string {
	out := []string{}
	for _, r := range p.Resources {
		out = append(out, r.Attributes["userName"].(string))
	}
	return out
}
