package schema_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// userDoc returns a full User resource object as scim.Document builds it.
func userDoc() map[string]any {
	return map[string]any{
		"schemas":     []any{schema.UserSchemaURN, enterprise},
		"id":          "2819c223",
		"externalId":  "701984",
		"userName":    "bjensen",
		"displayName": "Babs Jensen",
		"password":    "t1meMa$heen",
		"name":        map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails": []any{
			map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
			map[string]any{"value": "babs@jensen.org", "type": "home"},
		},
		"groups": []any{map[string]any{"value": "g1", "display": "Tour Guides"}},
		"meta": map[string]any{"resourceType": "User", "created": "2010-01-23T04:56:22Z",
			"lastModified": "2011-05-13T04:42:34Z", "version": `W/"3694e05e9dff591"`,
			"location": "https://example.com/v2/Users/2819c223"},
		enterprise: map[string]any{"employeeNumber": "701984", "department": "Tour Operations",
			"manager": map[string]any{"value": "26118915", "displayName": "John Smith"}},
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestProject(t *testing.T) {
	tests := []struct {
		name       string
		attributes string
		excluded   string
		wantKeys   []string
		check      func(t *testing.T, out map[string]any)
	}{
		{
			name: "default set leaves out password",
			wantKeys: []string{"displayName", "emails", "externalId", "groups", "id", "meta", "name", "schemas",
				"userName", enterprise},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, userDoc()["emails"], out["emails"])
				assert.Equal(t, userDoc()[enterprise], out[enterprise])
			},
		},
		{
			name:       "attributes keeps the named ones and the always ones",
			attributes: "userName,displayName",
			wantKeys:   []string{"displayName", "id", "schemas", "userName"},
		},
		{
			name:       "attributes are case-insensitive and keep the document's case",
			attributes: "USERNAME, Name.GivenName",
			wantKeys:   []string{"id", "name", "schemas", "userName"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, map[string]any{"givenName": "Barbara"}, out["name"])
			},
		},
		{
			name:       "password is never returned even when asked",
			attributes: "password,userName",
			wantKeys:   []string{"id", "schemas", "userName"},
		},
		{
			name:       "sub-attributes of a multi-valued attribute",
			attributes: "emails.value",
			wantKeys:   []string{"emails", "id", "schemas"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, []any{map[string]any{"value": "bjensen@example.com"}, map[string]any{"value": "babs@jensen.org"}}, out["emails"])
			},
		},
		{
			name:       "a sub-attribute no element has leaves the attribute out",
			attributes: "emails.display,name.middleName",
			wantKeys:   []string{"id", "schemas"},
		},
		{
			name:       "meta sub-attribute",
			attributes: "meta.version",
			wantKeys:   []string{"id", "meta", "schemas"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, map[string]any{"version": `W/"3694e05e9dff591"`}, out["meta"])
			},
		},
		{
			name:       "URN-qualified core attribute",
			attributes: "urn:ietf:params:scim:schemas:core:2.0:User:userName",
			wantKeys:   []string{"id", "schemas", "userName"},
		},
		{
			name:       "whole extension by URN",
			attributes: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user",
			wantKeys:   []string{"id", "schemas", enterprise},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, userDoc()[enterprise], out[enterprise])
			},
		},
		{
			name:       "extension attribute and sub-attribute",
			attributes: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
			wantKeys:   []string{"id", "schemas", enterprise},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, map[string]any{"employeeNumber": "701984", "manager": map[string]any{"value": "26118915"}}, out[enterprise])
			},
		},
		{
			name:     "excludedAttributes removes default attributes",
			excluded: "groups,emails,name",
			wantKeys: []string{"displayName", "externalId", "id", "meta", "schemas", "userName", enterprise},
		},
		{
			name:     "excludedAttributes cannot remove returned always",
			excluded: "id,schemas,userName",
			wantKeys: []string{"displayName", "emails", "externalId", "groups", "id", "meta", "name", "schemas", enterprise},
		},
		{
			name:     "excluded sub-attribute",
			excluded: "emails.type,meta.location",
			wantKeys: []string{"displayName", "emails", "externalId", "groups", "id", "meta", "name", "schemas", "userName", enterprise},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, []any{
					map[string]any{"value": "bjensen@example.com", "primary": true},
					map[string]any{"value": "babs@jensen.org"},
				}, out["emails"])
				assert.NotContains(t, out["meta"], "location")
				assert.Contains(t, out["meta"], "version")
			},
		},
		{
			name:     "excluded extension",
			excluded: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			wantKeys: []string{"displayName", "emails", "externalId", "groups", "id", "meta", "name", "schemas", "userName"},
		},
		{
			name:     "excluded extension attribute",
			excluded: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
			wantKeys: []string{"displayName", "emails", "externalId", "groups", "id", "meta", "name", "schemas", "userName", enterprise},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, map[string]any{"employeeNumber": "701984"}, out[enterprise])
			},
		},
		{
			name:       "unknown paths are ignored",
			attributes: "nope,userName,urn:example:x:y",
			wantKeys:   []string{"id", "schemas", "userName"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := userDoc()
			out := schema.UserResourceType().Project(doc, mustProjection(t, tt.attributes, tt.excluded))
			assert.ElementsMatch(t, tt.wantKeys, keys(out))
			if tt.check != nil {
				tt.check(t, out)
			}
			assert.Equal(t, userDoc(), doc, "the document is not modified")
		})
	}
}

// TestProjectReturned checks each "returned" characteristic on a custom
// resource type.
func TestProjectReturned(t *testing.T) {
	rt := &schema.ResourceType{Name: "Thing", Endpoint: "/Things", Schema: &schema.Schema{
		ID: "urn:example:params:scim:schemas:2.0:Thing",
		Attributes: []*schema.Attribute{
			{Name: "always", Type: schema.String, Returned: schema.ReturnedAlways},
			{Name: "never", Type: schema.String, Returned: schema.ReturnedNever},
			{Name: "plain", Type: schema.String},
			{Name: "onRequest", Type: schema.String, Returned: schema.ReturnedRequest},
			{Name: "box", Type: schema.Complex, SubAttributes: []*schema.Attribute{
				{Name: "a", Type: schema.String},
				{Name: "hidden", Type: schema.String, Returned: schema.ReturnedNever},
				{Name: "extra", Type: schema.String, Returned: schema.ReturnedRequest},
			}},
		},
	}}
	require.NoError(t, rt.Validate())
	doc := map[string]any{
		"schemas": []any{rt.Schema.ID}, "id": "1",
		"always": "A", "never": "N", "plain": "P", "onRequest": "R",
		"box": map[string]any{"a": "1", "hidden": "2", "extra": "3"},
	}
	tests := []struct {
		attributes, excluded string
		want                 map[string]any
	}{
		{"", "", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A", "plain": "P", "box": map[string]any{"a": "1"}}},
		{"", "always,plain,box", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A"}},
		{"onRequest", "", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A", "onRequest": "R"}},
		{"never,plain", "", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A", "plain": "P"}},
		{"box", "", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A", "box": map[string]any{"a": "1", "extra": "3"}}},
		{"box.extra,box.hidden", "", map[string]any{"schemas": []any{rt.Schema.ID}, "id": "1", "always": "A", "box": map[string]any{"extra": "3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.attributes+"|"+tt.excluded, func(t *testing.T) {
			assert.Equal(t, tt.want, rt.Project(doc, mustProjection(t, tt.attributes, tt.excluded)))
		})
	}
}

// mustProjection parses a projection the test knows to be valid.
func mustProjection(t testing.TB, attributes, excluded string) schema.Projection {
	t.Helper()
	p, err := schema.ParseProjection(attributes, excluded)
	require.NoError(t, err)
	return p
}

func TestParseProjection(t *testing.T) {
	p := mustProjection(t, " userName , ,emails.value,", "")
	assert.Equal(t, []string{"userName", "emails.value"}, p.Attributes)
	assert.Empty(t, p.ExcludedAttributes)
	assert.False(t, p.IsZero())
	assert.True(t, mustProjection(t, "", " , ").IsZero())
	assert.True(t, schema.Projection{}.IsZero())
}

// TestParseProjectionBounds checks that the attributes and
// excludedAttributes lists are bounded in entries and in the length of
// each, with invalidValue, and that empty entries do not count.
func TestParseProjectionBounds(t *testing.T) {
	list := func(n int, path string) string {
		return strings.Repeat(path+",", n-1) + path
	}
	long := strings.Repeat("a", schema.MaxProjectionPathLength)
	tests := []struct {
		name                 string
		attributes, excluded string
		err                  string // a part of the error detail, "" when accepted
	}{
		{"at the entry bound", list(schema.MaxProjectionPaths, "userName"), "", ""},
		{"empty entries do not count", list(schema.MaxProjectionPaths, "userName") + strings.Repeat(", ,", 10000), "", ""},
		{"one entry over", list(schema.MaxProjectionPaths+1, "userName"), "", "attributes lists more than 256"},
		{"far over", list(300000, "userName"), "", "attributes lists more than 256"},
		{"excluded over", "", list(schema.MaxProjectionPaths+1, "emails"), "excludedAttributes lists more than 256"},
		{"path at the length bound", long, long, ""},
		{"path one byte over", "userName," + long + "b", "", "attributes holds a path of 513 bytes"},
		{"excluded path over", "", " " + long + "b ", "excludedAttributes holds a path of 513 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := schema.ParseProjection(tt.attributes, tt.excluded)
			if tt.err == "" {
				require.NoError(t, err)
				assert.LessOrEqual(t, len(p.Attributes), schema.MaxProjectionPaths)
				return
			}
			se := requireSCIMError(t, err, schema.InvalidValue)
			assert.Contains(t, se.Detail, tt.err)
			assert.Less(t, len(se.Detail), 200, "the detail does not echo the list")
		})
	}
}

func TestProjectionIncludes(t *testing.T) {
	user := schema.UserResourceType()
	group := schema.GroupResourceType()
	tests := []struct {
		name                 string
		rt                   *schema.ResourceType
		attributes, excluded string
		path                 string
		want                 bool
	}{
		{"members by default", group, "", "", "members", true},
		{"members excluded", group, "", "members", "members", false},
		{"members excluded in another case", group, "", "MEMBERS", "members", false},
		{"members not asked for", group, "displayName", "", "members", false},
		{"members sub-attribute asked for", group, "members.value", "", "members", true},
		{"members sub-attribute excluded", group, "", "members.display", "members", true},
		{"id always", group, "displayName", "id", "id", true},
		{"password never", user, "password", "", "password", false},
		{"extension attribute by default", user, "", "", enterprise + ":manager", true},
		{"extension attribute excluded with its extension", user, "", enterprise, enterprise + ":manager", false},
		{"extension attribute asked for", user, enterprise + ":manager.value", "", enterprise + ":manager", true},
		{"extension attribute not asked for", user, "userName", "", enterprise + ":manager", false},
		{"whole extension with one attribute asked", user, enterprise + ":department", "", enterprise, true},
		{"whole extension not asked", user, "userName", "", enterprise, false},
		{"unknown path by default", user, "", "", "nope", true},
		{"unknown path with attributes", user, "userName", "", "nope", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, mustProjection(t, tt.attributes, tt.excluded).Includes(tt.rt, tt.path))
		})
	}
}

// roundTrip encodes v to JSON and decodes it, as a client would see it.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func findByName(t *testing.T, list any, name string) map[string]any {
	t.Helper()
	items, ok := list.([]any)
	require.True(t, ok, "want an array, got %T", list)
	for _, it := range items {
		m := it.(map[string]any)
		if m["name"] == name {
			return m
		}
	}
	t.Fatalf("no attribute %q", name)
	return nil
}

func TestSchemaDocument(t *testing.T) {
	doc := roundTrip(t, schema.User().Document("https://example.com/v2/Schemas/"+schema.UserSchemaURN))
	assert.Equal(t, []any{schema.SchemaSchemaURN}, doc["schemas"])
	assert.Equal(t, schema.UserSchemaURN, doc["id"])
	assert.Equal(t, "User", doc["name"])
	assert.Equal(t, "User Account", doc["description"])
	assert.Equal(t, map[string]any{"resourceType": "Schema", "location": "https://example.com/v2/Schemas/" + schema.UserSchemaURN}, doc["meta"])

	attrs := doc["attributes"]
	userName := findByName(t, attrs, "userName")
	assert.Equal(t, map[string]any{
		"name": "userName", "type": "string", "multiValued": false,
		"description": userName["description"], "required": true, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "server",
	}, userName)
	assert.NotEmpty(t, userName["description"])

	password := findByName(t, attrs, "password")
	assert.Equal(t, "writeOnly", password["mutability"])
	assert.Equal(t, "never", password["returned"])

	emails := findByName(t, attrs, "emails")
	assert.Equal(t, "complex", emails["type"])
	assert.Equal(t, true, emails["multiValued"])
	assert.NotContains(t, emails, "caseExact", "caseExact does not apply to complex attributes")
	emailType := findByName(t, emails["subAttributes"], "type")
	assert.Equal(t, []any{"work", "home", "other"}, emailType["canonicalValues"])

	groups := findByName(t, attrs, "groups")
	assert.Equal(t, "readOnly", groups["mutability"])
	ref := findByName(t, groups["subAttributes"], "$ref")
	assert.Equal(t, "reference", ref["type"])
	assert.Equal(t, []any{"User", "Group"}, ref["referenceTypes"])

	for _, a := range attrs.([]any) {
		m := a.(map[string]any)
		for _, k := range []string{"name", "type", "multiValued", "description", "required", "mutability", "returned", "uniqueness"} {
			assert.Contains(t, m, k, "attribute %v", m["name"])
		}
		if m["type"] == "complex" {
			assert.Contains(t, m, "subAttributes")
		} else {
			assert.Contains(t, m, "caseExact")
			assert.NotContains(t, m, "subAttributes")
		}
	}

	noLocation := schema.Group().Document("")
	assert.Equal(t, map[string]any{"resourceType": "Schema"}, noLocation["meta"])
}

func TestResourceTypeDocument(t *testing.T) {
	doc := roundTrip(t, schema.UserResourceType().Document("https://example.com/v2/ResourceTypes/User"))
	assert.Equal(t, map[string]any{
		"schemas":     []any{schema.ResourceTypeSchemaURN},
		"id":          "User",
		"name":        "User",
		"description": "User Account",
		"endpoint":    "/Users",
		"schema":      schema.UserSchemaURN,
		"schemaExtensions": []any{
			map[string]any{"schema": enterprise, "required": false},
		},
		"meta": map[string]any{"resourceType": "ResourceType", "location": "https://example.com/v2/ResourceTypes/User"},
	}, doc)

	group := roundTrip(t, schema.GroupResourceType().Document(""))
	assert.NotContains(t, group, "schemaExtensions")
	assert.Equal(t, map[string]any{"resourceType": "ResourceType"}, group["meta"])

	noID := &schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: device()}
	assert.Equal(t, "Device", noID.Document("")["id"], "ID defaults to Name")
}
