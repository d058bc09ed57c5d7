package schema_test

import (
	"strings"
	"testing"

	"github.com/scimkit/scim/schema"
)

// entraCreateBody is a typical user create request from Microsoft Entra ID.
const entraCreateBody = `{
	"schemas": [
		"urn:ietf:params:scim:schemas:core:2.0:User",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	],
	"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
	"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
	"active": "True",
	"displayName": "Test User",
	"title": "Engineer",
	"preferredLanguage": "en-US",
	"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@contoso.com"}],
	"phoneNumbers": [{"type": "work", "value": "+1 425 555 0100"}, {"type": "mobile", "value": "+1 425 555 0101"}],
	"addresses": [{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US", "primary": false}],
	"meta": {"resourceType": "User"},
	"name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
		"employeeNumber": "701984",
		"department": "Engineering",
		"costCenter": "CC-42",
		"manager": {"value": "26118915"}
	}
}`

func BenchmarkCanonicalizeUser(b *testing.B) {
	rt := schema.UserResourceType()
	body, err := schema.Decode(strings.NewReader(entraCreateBody))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rt.Canonicalize(body, nil, schema.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAndCanonicalizeUser(b *testing.B) {
	rt := schema.UserResourceType()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		body, err := schema.Decode(strings.NewReader(entraCreateBody))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rt.Canonicalize(body, nil, schema.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProject(b *testing.B) {
	rt := schema.UserResourceType()
	doc := userDoc()
	cases := []struct {
		name string
		p    schema.Projection
	}{
		{"default", schema.Projection{}},
		{"attributes", mustProjection(b, "userName,name.givenName,emails.value", "")},
		{"excluded", mustProjection(b, "", "groups,emails.type")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if out := rt.Project(doc, c.p); len(out) == 0 {
					b.Fatal("empty projection")
				}
			}
		})
	}
}
