package scim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
)

// canonical validates a JSON body as the server does before a store sees it.
func canonical(t *testing.T, rt *schema.ResourceType, body string) *scim.Resource {
	t.Helper()
	doc, err := schema.Decode(strings.NewReader(body))
	require.NoError(t, err)
	attrs, err := rt.Canonicalize(doc, nil, schema.Options{})
	require.NoError(t, err)
	return &scim.Resource{ID: "u1", Attributes: attrs}
}

func TestUserFromResource(t *testing.T) {
	rt := schema.UserResourceType()
	tests := []struct {
		name string
		body string
		want scim.UserView
	}{
		{
			name: "Entra ID create with string boolean and bare manager",
			body: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId": "0a21f0f2", "userName": "Test_User@contoso.com", "active": "False",
				"displayName": "Test User", "title": "Teacher", "preferredLanguage": "en-GB",
				"name": {"givenName": "Test", "familyName": "User", "formatted": "Test User"},
				"emails": [{"type": "home", "value": "home@example.com"},
					{"type": "work", "value": "work@contoso.com", "primary": true}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
					"employeeNumber": "701984", "department": "Maths", "manager": "m-42"}}`,
			want: scim.UserView{ID: "u1", ExternalID: "0a21f0f2", UserName: "Test_User@contoso.com",
				GivenName: "Test", FamilyName: "User", DisplayName: "Test User",
				Email: "work@contoso.com", Active: ptr(false), Title: "Teacher", PreferredLanguage: "en-GB",
				EmployeeNumber: "701984", Department: "Maths", Manager: "m-42"},
		},
		{
			name: "no primary email takes the first, missing active reads as active",
			body: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen",
				"emails": [{"value": "first@example.com"}, {"value": "second@example.com"}]}`,
			want: scim.UserView{ID: "u1", UserName: "bjensen", Email: "first@example.com"},
		},
		{
			name: "bare minimum",
			body: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x", "active": true}`,
			want: scim.UserView{ID: "u1", UserName: "x", Active: ptr(true)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scim.UserFromResource(canonical(t, rt, tt.body))
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestUserResourceRoundTrip(t *testing.T) {
	rt := schema.UserResourceType()
	u := scim.UserView{ID: "7", ExternalID: "ext-7", UserName: "ajones", GivenName: "Ann", FamilyName: "Jones",
		DisplayName: "Ann Jones", Email: "ann@example.com", Active: ptr(false), Title: "Dean",
		PreferredLanguage: "fr", EmployeeNumber: "12", Department: "Arts", Manager: "3",
		Groups: []scim.GroupRef{{ID: "g1", Display: "Staff"}}}
	r := u.Resource()
	assert.Equal(t, "7", r.ID)
	assert.Equal(t, []any{map[string]any{"value": "g1", "display": "Staff", "type": "direct"}}, r.Attributes["groups"])
	assert.Equal(t, false, r.Attributes["active"])

	// What a store returns is valid input again (the server re-validates
	// it on PUT and PATCH) and reads back to the same view.
	doc := scim.Document(rt, r)
	attrs, err := rt.Canonicalize(doc, nil, schema.Options{RejectUnknown: true})
	require.NoError(t, err)
	back := scim.UserFromResource(&scim.Resource{ID: r.ID, Attributes: attrs})
	u.Groups = nil // read-only: clients cannot set it
	assert.Equal(t, u, *back)

	empty := (&scim.UserView{UserName: "only"}).Resource()
	assert.Equal(t, map[string]any{"userName": "only"}, empty.Attributes,
		"empty fields and an unset active are left out: a zero view does not deactivate")
	assert.True(t, scim.UserFromResource(empty).IsActive(), "a user without active reads as active")
	assert.False(t, (&scim.UserView{Active: ptr(false)}).IsActive())
}

func TestGroupFromResourceAndBack(t *testing.T) {
	rt := schema.GroupResourceType()
	r := canonical(t, rt, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"externalId": "okta-g", "displayName": "Teachers",
		"members": [{"value": "u1", "display": "bjensen"}, {"value": "u2"}]}`)
	g := scim.GroupFromResource(r)
	assert.Equal(t, scim.GroupView{ID: "u1", ExternalID: "okta-g", DisplayName: "Teachers", Members: []string{"u1", "u2"}}, *g)

	back := g.Resource()
	assert.Equal(t, []any{map[string]any{"value": "u1"}, map[string]any{"value": "u2"}}, back.Attributes["members"])
	assert.Equal(t, "Teachers", back.Attributes["displayName"])

	g.Members = nil
	_, has := g.Resource().Attributes["members"]
	assert.False(t, has, "no members, no members attribute")
}

// A store over a host's own table converts between the canonical resource
// and its columns through the typed views.
func ExampleUserFromResource() {
	r := &scim.Resource{Attributes: map[string]any{
		"userName": "bjensen@example.com",
		"name":     map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails":   []any{map[string]any{"value": "bjensen@example.com", "primary": true}},
		"active":   true,
	}}
	u := scim.UserFromResource(r)
	fmt.Println(u.UserName, u.GivenName, u.FamilyName, u.Email, u.IsActive())

	// ... INSERT INTO users (username, first_name, ...) VALUES (...) ...
	u.ID = "42"
	stored := u.Resource()
	fmt.Println(stored.ID, stored.Attributes["name"])
	// Output:
	// bjensen@example.com Barbara Jensen bjensen@example.com true
	// 42 map[familyName:Jensen givenName:Barbara]
}

func ptr[T any](v T) *T { return &v }

// TestUserViewPathsTrimTheSchema: the paths a view keeps make a trimmed
// resource type, and everything the view writes is valid under it.
func TestUserViewPathsTrimTheSchema(t *testing.T) {
	rt, err := schema.Trim(schema.UserResourceType(), scim.UserViewPaths()...)
	require.NoError(t, err)
	u := scim.UserView{UserName: "a", GivenName: "A", Email: "a@example.com", Active: ptr(true),
		Title: "T", PreferredLanguage: "en", EmployeeNumber: "1", Department: "D", Manager: "m", ExternalID: "x", DisplayName: "A"}
	attrs, err := rt.Canonicalize(scim.Document(rt, u.Resource()), nil, schema.Options{RejectUnknown: true})
	require.NoError(t, err)
	assert.Equal(t, u, *scim.UserFromResource(&scim.Resource{Attributes: attrs}))
}
