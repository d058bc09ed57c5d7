package schema_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/scimkit/scim/schema"
)

// FuzzCanonicalize decodes arbitrary bytes and canonicalises them as a User
// create and replace: it must never panic, and every failure must be a
// *schema.Error.
func FuzzCanonicalize(f *testing.F) {
	seeds := []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`,
		entraCreateBody,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","active":"False","emails":"a@x"}`,
		`{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","USERNAME":"u","name":{"givenName":null},"emails":[[]]}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","x509Certificates":[{"value":"AAAA"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":1}}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"urn:ietf:params:scim:schemas:core:2.0:User:userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:":{}}`,
		`{"schemas":[1],"userName":1e400}`,
		`{}`, `[]`, `null`, ``, `{"a":1}{`, `{"userName":"\ud800"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	rt := schema.UserResourceType()
	old := map[string]any{"userName": "old", "password": "p"}
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := schema.Decode(bytes.NewReader(data))
		if err != nil {
			checkSCIMError(t, err)
			return
		}
		for _, o := range []map[string]any{nil, old} {
			attrs, err := rt.Canonicalize(body, o, schema.Options{RejectUnknown: o != nil})
			if err != nil {
				checkSCIMError(t, err)
				continue
			}
			if attrs["userName"] == nil {
				t.Fatalf("canonical attributes without userName: %v", attrs)
			}
			// Canonical attributes canonicalise to themselves.
			again := map[string]any{"schemas": []any{schema.UserSchemaURN}}
			for k, v := range attrs {
				again[k] = v
			}
			if _, err := rt.Canonicalize(again, nil, schema.Options{}); err != nil {
				t.Fatalf("canonical attributes rejected: %v (%v)", err, attrs)
			}
		}
	})
}

func checkSCIMError(t *testing.T, err error) {
	t.Helper()
	var se *schema.Error
	if !errors.As(err, &se) {
		t.Fatalf("error is not a *schema.Error: %T %v", err, err)
	}
}
