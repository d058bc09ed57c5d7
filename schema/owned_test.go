package schema_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// ownedPieces are members a create body is made of: as identity providers
// spell them, in other letter cases, readOnly, unknown, null, empty, of
// the wrong kind, with values that convert ("True"), duplicates of
// "primary", flattened and nested extension attributes, and non-ASCII
// text.
var ownedPieces = []string{
	`"userName":"bjensen@example.com"`, `"userName":"Zoë Ünïcödé ✓"`, `"USERNAME":"x"`, `"userName":null`, `"userName":" "`,
	`"displayName":"日本語"`, `"displayName":null`, `"DisplayName":"d"`, `"nickName":""`,
	`"active":true`, `"active":"False"`, `"active":"maybe"`, `"Active":true`,
	`"name":{"givenName":"B","familyName":"J","formatted":"B J"}`, `"name":{"GivenName":"B"}`, `"name":{}`, `"name":{"givenName":null}`,
	`"name":{"givenName":"B","unknown":1}`, `"name":"x"`,
	`"emails":[{"value":"a@x","type":"work","primary":true}]`, `"emails":[{"value":"a@x","primary":"True"},{"value":"b@x","primary":true}]`,
	`"emails":[{"Value":"a@x"}]`, `"emails":[]`, `"emails":[{}]`, `"emails":"a@x"`, `"emails":[[]]`, `"emails":[null,{"value":"c@x"}]`,
	`"phoneNumbers":[{"value":"+1","type":"work","display":"ignored?"}]`,
	`"x509Certificates":[{"value":"AAAA"}]`, `"x509Certificates":[{"value":"not base64!"}]`,
	`"id":"echoed"`, `"meta":{"version":"x"}`, `"groups":[{"value":"g"}]`, `"externalId":"ext-1"`, `"ExternalId":"e"`,
	`"password":"t1meMa$heen"`, `"unknown":"u"`, `"urn:example:unknown":{"a":1}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7","department":"R&D"}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"readOnly"}}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"EmployeeNumber":"7"}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"other":"u"}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"`,
	`"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"department":"d"}`,
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"flat"`,
	`"urn:ietf:params:scim:schemas:core:2.0:User:title":"prefixed"`,
	`"Schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`,
	`"displayName":"Staff"`, `"members":[{"value":"a"},{"value":"b","display":"B"}]`, `"members":[{"value":"a","$ref":"x"}]`,
	`"members":[{"Value":"a"}]`, `"members":[{"value":null}]`,
}

// TestCanonicalizeOwnedMatchesCanonicalize: CanonicalizeOwned gives what
// Canonicalize gives, or fails where it fails, for random bodies made of
// the pieces above, users and groups, lenient and strict; and it keeps
// the body of a create as an identity provider sends it.
func TestCanonicalizeOwnedMatchesCanonicalize(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 4))
	types := []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()}
	schemas := []string{`"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`,
		`"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`}
	agreed, kept := 0, 0
	for i := range 20000 {
		ti := r.IntN(len(types))
		parts := []string{schemas[ti]}
		if r.IntN(10) > 0 {
			parts = append(parts, []string{`"userName":"u0"`, `"displayName":"G"`}[ti])
		}
		for range r.IntN(6) {
			parts = append(parts, ownedPieces[r.IntN(len(ownedPieces))])
		}
		r.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
		data := "{" + strings.Join(parts, ",") + "}"
		for _, opts := range []schema.Options{{}, {RejectUnknown: true}} {
			want, wantErr := types[ti].Canonicalize(decodeBody(t, data), nil, opts)
			body := decodeBody(t, data)
			got, err := types[ti].CanonicalizeOwned(body, opts)
			require.Equal(t, wantErr == nil, err == nil, "body %d %s: %v / %v", i, data, wantErr, err)
			if err != nil {
				continue
			}
			require.Equal(t, want, got, "body %d %s", i, data)
			agreed++
			if len(got) > 0 && samePointer(got, body) {
				kept++
			}
		}
	}
	require.Greater(t, agreed, 5000)
	require.Greater(t, kept, 2000, "bodies spelled as the schema spells them are kept, not copied")
}

func decodeBody(t *testing.T, data string) map[string]any {
	t.Helper()
	body, err := schema.DecodeBytes([]byte(data))
	require.NoError(t, err, data)
	return body
}

// samePointer reports whether a and b are the same map.
func samePointer(a, b map[string]any) bool {
	a["\x00probe"] = true
	_, same := b["\x00probe"]
	delete(a, "\x00probe")
	return same
}

// FuzzCanonicalizeOwned checks CanonicalizeOwned against Canonicalize on
// any body.
func FuzzCanonicalizeOwned(f *testing.F) {
	f.Add([]byte(entraCreateBody))
	for i, p := range ownedPieces {
		f.Add([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u",` + p + `,` + ownedPieces[(i*7)%len(ownedPieces)] + `}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := schema.DecodeBytes(data); err != nil {
			return
		}
		for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()} {
			for _, opts := range []schema.Options{{}, {RejectUnknown: true}} {
				want, wantErr := rt.Canonicalize(decodeBody(t, string(data)), nil, opts)
				got, err := rt.CanonicalizeOwned(decodeBody(t, string(data)), opts)
				require.Equal(t, wantErr == nil, err == nil, "%v / %v", wantErr, err)
				require.Equal(t, want, got)
			}
		}
	})
}
