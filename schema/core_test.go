package schema_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// rfcDifference is a characteristic of an attribute where our schema
// deliberately differs from the schema representation RFC 7643 §8.7.1
// publishes. The characteristic "present" stands for the attribute itself.
type rfcDifference struct {
	schema, path, characteristic string
	rfc, ours                    any
}

// rfcDifferences lists every such difference; each is explained where it
// is listed. A difference not listed here, or listed but no longer there,
// fails TestSchemasMatchRFC7643.
var rfcDifferences = []rfcDifference{
	// §4.2 and the attribute's own description in §8.7.1 say "REQUIRED",
	// while the §8.7.1 representation says "required": false (reported as
	// RFC errata 5368); identity providers match groups by displayName, so
	// we follow the prose.
	{"Group", "displayName", "required", false, true},
	// Not in §8.7.1, but identity providers (Entra ID, Okta) send a
	// member's display name, and §8.4's example shows it; it is kept and
	// returned rather than dropped.
	{"Group", "members.display", "present", false, true},
	// §2.4 gives multi-valued attributes a "primary" sub-attribute and
	// §8.2's example sends one on an address (as Okta does), but §4.1.2
	// and the §8.7.1 representation leave it out of addresses.
	{"User", "addresses.primary", "present", false, true},
}

// characteristics is an attribute's characteristics, with the defaults of
// RFC 7643 §2.2 in place of absent ones.
type characteristics map[string]any

// flatten maps the attribute paths ("name", "name.givenName") of a schema
// representation (RFC 7643 §7), as decoded JSON, to their characteristics.
func flatten(t *testing.T, attrs []any, prefix string, out map[string]characteristics, order *[]string) {
	t.Helper()
	for _, raw := range attrs {
		a, ok := raw.(map[string]any)
		require.True(t, ok, "an attribute is a JSON object")
		name, _ := a["name"].(string)
		require.NotEmpty(t, name)
		c := characteristics{
			"type":            a["type"],
			"multiValued":     orDefault(a["multiValued"], false),
			"required":        orDefault(a["required"], false),
			"caseExact":       orDefault(a["caseExact"], false),
			"mutability":      orDefault(a["mutability"], "readWrite"),
			"returned":        orDefault(a["returned"], "default"),
			"uniqueness":      orDefault(a["uniqueness"], "none"),
			"canonicalValues": strs(a["canonicalValues"]),
			"referenceTypes":  strs(a["referenceTypes"]),
		}
		if c["type"] == "complex" {
			delete(c, "caseExact") // it applies to strings and references only
		}
		out[prefix+name] = c
		*order = append(*order, prefix+name)
		if subs, ok := a["subAttributes"].([]any); ok {
			flatten(t, subs, prefix+name+".", out, order)
		}
	}
}

func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

// strs returns a JSON array of strings as a sorted []string; absent and
// empty are the same.
func strs(v any) []string {
	out := []string{}
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, fmt.Sprint(s))
	}
	slices.Sort(out)
	return out
}

// TestSchemasMatchRFC7643 compares the User, Group and Enterprise User
// schemas as /Schemas serves them with the schema representation of RFC
// 7643 §8.7.1 (testdata/rfc7643, the RFC's JSON without the descriptions),
// every attribute and sub-attribute and every characteristic: type,
// multiValued, required, caseExact, mutability, returned, uniqueness,
// canonicalValues and referenceTypes. Where we deliberately differ, the
// difference is in rfcDifferences with the reason.
func TestSchemasMatchRFC7643(t *testing.T) {
	tests := []struct {
		golden string
		schema *schema.Schema
	}{
		{"User.json", schema.User()},
		{"Group.json", schema.Group()},
		{"EnterpriseUser.json", schema.EnterpriseUser()},
	}
	seen := map[rfcDifference]bool{}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "rfc7643", tt.golden))
			require.NoError(t, err)
			var rfc map[string]any
			require.NoError(t, json.Unmarshal(data, &rfc))

			// The document as served, through JSON as a client reads it.
			served, err := json.Marshal(tt.schema.Document(""))
			require.NoError(t, err)
			var ours map[string]any
			require.NoError(t, json.Unmarshal(served, &ours))

			for _, k := range []string{"id", "name", "description"} {
				assert.Equal(t, rfc[k], ours[k], k)
			}
			rfcAttrs, ourAttrs := map[string]characteristics{}, map[string]characteristics{}
			var rfcOrder, ourOrder []string
			flatten(t, rfc["attributes"].([]any), "", rfcAttrs, &rfcOrder)
			flatten(t, ours["attributes"].([]any), "", ourAttrs, &ourOrder)
			// Attributes come in the RFC's order (clients that render
			// /Schemas follow it); the ones we add may come anywhere.
			ourOrder = slices.DeleteFunc(ourOrder, func(p string) bool { _, ok := rfcAttrs[p]; return !ok })
			assert.Equal(t, rfcOrder, ourOrder, "attribute order")
			name := rfc["name"].(string)

			differ := func(path, characteristic string, r, o any) {
				d := rfcDifference{name, path, characteristic, r, o}
				for _, listed := range rfcDifferences {
					if fmt.Sprint(listed) == fmt.Sprint(d) {
						seen[listed] = true
						return
					}
				}
				t.Errorf("%s %s: %s is %v in RFC 7643 §8.7.1 but %v here", name, path, characteristic, r, o)
			}
			paths := map[string]bool{}
			for p := range rfcAttrs {
				paths[p] = true
			}
			for p := range ourAttrs {
				paths[p] = true
			}
			for _, p := range slices.Sorted(maps.Keys(paths)) {
				r, inRFC := rfcAttrs[p]
				o, inOurs := ourAttrs[p]
				if !inRFC || !inOurs {
					differ(p, "present", inRFC, inOurs)
					continue
				}
				for _, k := range slices.Sorted(maps.Keys(r)) {
					if !assert.ObjectsAreEqual(r[k], o[k]) {
						differ(p, k, r[k], o[k])
					}
				}
				assert.Len(t, o, len(r), "%s: the same characteristics", p)
			}
		})
	}
	for _, d := range rfcDifferences {
		assert.True(t, seen[d], "listed difference no longer there: %+v", d)
	}
}

// TestCommonAttributes checks id, externalId and meta against RFC 7643 §3.1.
func TestCommonAttributes(t *testing.T) {
	rt := schema.UserResourceType()
	tests := []struct {
		path       string
		typ        schema.Type
		caseExact  bool
		mutability schema.Mutability
		returned   schema.Returned
	}{
		{"id", schema.String, true, schema.ReadOnly, schema.ReturnedAlways},
		{"externalId", schema.String, true, schema.ReadWrite, schema.ReturnedDefault},
		{"meta", schema.Complex, false, schema.ReadOnly, schema.ReturnedDefault},
		{"meta.resourceType", schema.String, true, schema.ReadOnly, schema.ReturnedDefault},
		{"meta.created", schema.DateTime, false, schema.ReadOnly, schema.ReturnedDefault},
		{"meta.lastModified", schema.DateTime, false, schema.ReadOnly, schema.ReturnedDefault},
		{"meta.location", schema.Reference, false, schema.ReadOnly, schema.ReturnedDefault},
		{"meta.version", schema.String, true, schema.ReadOnly, schema.ReturnedDefault},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			tg, ok := rt.LookupPath(tt.path)
			require.True(t, ok)
			a := tg.Attr
			if tg.Sub != nil {
				a = tg.Sub
			}
			assert.Equal(t, tt.typ, a.Type)
			assert.Equal(t, tt.caseExact, a.CaseExact)
			assert.Equal(t, tt.mutability, a.EffectiveMutability())
			assert.Equal(t, tt.returned, a.EffectiveReturned())
		})
	}
	assert.Equal(t, schema.ReturnedAlways, schema.SchemasAttribute().EffectiveReturned())
}

// TestCommonAttributesAreNotGlobalState checks that a caller changing the
// list it was given does not change what every resource type resolves.
func TestCommonAttributesAreNotGlobalState(t *testing.T) {
	list := schema.CommonAttributes()
	require.Len(t, list, 3)
	list[0] = &schema.Attribute{Name: "hijacked", Type: schema.String}
	assert.Equal(t, "id", schema.CommonAttributes()[0].Name)
	tgt, ok := schema.UserResourceType().Lookup("", "id", "")
	require.True(t, ok)
	assert.Equal(t, "id", tgt.Attr.Name)
	assert.Same(t, schema.SchemasAttribute(), schema.SchemasAttribute(), "one shared value that paths compare with")
}

func TestResourceTypes(t *testing.T) {
	u := schema.UserResourceType()
	assert.Equal(t, "User", u.ID)
	assert.Equal(t, "/Users", u.Endpoint)
	assert.Equal(t, schema.UserSchemaURN, u.Schema.ID)
	require.Len(t, u.Extensions, 1)
	assert.Equal(t, schema.EnterpriseUserSchemaURN, u.Extensions[0].Schema.ID)
	assert.False(t, u.Extensions[0].Required)
	assert.NoError(t, u.Validate())

	g := schema.GroupResourceType()
	assert.Equal(t, "Group", g.ID)
	assert.Equal(t, "/Groups", g.Endpoint)
	assert.Empty(t, g.Extensions)
	assert.NoError(t, g.Validate())

	// Each call returns independent values.
	u.Schema.Attribute("userName").Required = false
	assert.True(t, schema.UserResourceType().Schema.Attribute("userName").Required)
}

func TestLookup(t *testing.T) {
	rt := schema.UserResourceType()
	tests := []struct {
		path    string
		ok      bool
		ext     string
		attr    string
		sub     string
		urnPart string
	}{
		{path: "userName", ok: true, attr: "userName"},
		{path: "USERNAME", ok: true, attr: "userName"},
		{path: "name.GivenName", ok: true, attr: "name", sub: "givenName"},
		{path: "emails.value", ok: true, attr: "emails", sub: "value"},
		{path: "id", ok: true, attr: "id"},
		{path: "meta.lastModified", ok: true, attr: "meta", sub: "lastModified"},
		{path: "urn:ietf:params:scim:schemas:core:2.0:User:userName", ok: true, attr: "userName"},
		{path: "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.familyName", ok: true, attr: "name", sub: "familyName"},
		{path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", ok: true,
			ext: schema.EnterpriseUserSchemaURN, attr: "manager", sub: "value"},
		{path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER", ok: true,
			ext: schema.EnterpriseUserSchemaURN, attr: "employeeNumber"},
		{path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName", ok: false},
		{path: "nope", ok: false},
		{path: "name.nope", ok: false},
		{path: "urn:example:unknown:attr", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			tg, ok := rt.LookupPath(tt.path)
			require.Equal(t, tt.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tt.ext, tg.Extension)
			assert.Equal(t, tt.attr, tg.Attr.Name)
			if tt.sub == "" {
				assert.Nil(t, tg.Sub)
			} else {
				require.NotNil(t, tg.Sub)
				assert.Equal(t, tt.sub, tg.Sub.Name)
			}
		})
	}
}

func TestSplitURN(t *testing.T) {
	rt := schema.UserResourceType()
	tests := []struct{ path, urn, rest string }{
		{"userName", "", "userName"},
		{"urn:ietf:params:scim:schemas:core:2.0:User:userName", schema.UserSchemaURN, "userName"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", schema.EnterpriseUserSchemaURN, "manager.value"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:UserX", "", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:UserX"},
		{"urn:other", "", "urn:other"},
	}
	for _, tt := range tests {
		urn, rest := rt.SplitURN(tt.path)
		assert.Equal(t, tt.urn, urn, tt.path)
		assert.Equal(t, tt.rest, rest, tt.path)
	}
}
