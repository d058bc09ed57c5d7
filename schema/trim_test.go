package schema_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// names lists a schema's attributes as paths, sub-attributes dotted.
func names(s *schema.Schema) []string {
	var out []string
	for _, a := range s.Attributes {
		if len(a.SubAttributes) == 0 {
			out = append(out, a.Name)
		}
		for _, sub := range a.SubAttributes {
			out = append(out, a.Name+"."+sub.Name)
		}
	}
	return out
}

func TestTrim(t *testing.T) {
	ent := schema.EnterpriseUserSchemaURN
	tests := []struct {
		name      string
		paths     []string
		core, ext []string
		err       bool
	}{
		{"sub-attributes only", []string{"userName", "name.givenName", "emails.value"}, []string{"userName", "name.givenName", "emails.value"}, nil, false},
		{"case-insensitive, duplicates", []string{"USERNAME", "userName", "Name.FamilyName"}, []string{"userName", "name.familyName"}, nil, false},
		{"whole complex attribute wins", []string{"name.givenName", "name"}, []string{"name.formatted", "name.familyName", "name.givenName", "name.middleName", "name.honorificPrefix", "name.honorificSuffix"}, nil, false},
		{"common attributes are accepted", []string{"id", "externalId", "userName"}, []string{"userName"}, nil, false},
		{"extension", []string{"userName", ent + ":employeeNumber", ent + ":manager.value"}, []string{"userName"}, []string{"employeeNumber", "manager.value"}, false},
		{"unknown attribute", []string{"userName", "shoeSize"}, nil, nil, true},
		{"unknown sub-attribute", []string{"name.nickname"}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full := schema.UserResourceType()
			rt, err := schema.Trim(full, tt.paths...)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.NoError(t, rt.Validate())
			assert.Equal(t, tt.core, names(rt.Schema))
			if tt.ext == nil {
				assert.Empty(t, rt.Extensions, "an extension with nothing kept is left out")
			} else {
				require.Len(t, rt.Extensions, 1)
				assert.Equal(t, tt.ext, names(rt.Extensions[0].Schema))
			}
			assert.Equal(t, full.Endpoint, rt.Endpoint)
			// The copy shares nothing with the original.
			rt.Schema.Attributes[0].Description = "changed"
			assert.NotEqual(t, "changed", full.Schema.Attribute(rt.Schema.Attributes[0].Name).Description)
		})
	}
}

func TestTrimKeepsCharacteristics(t *testing.T) {
	rt, err := schema.Trim(schema.UserResourceType(), "userName", "groups")
	require.NoError(t, err)
	assert.Equal(t, schema.UniqueServer, rt.Schema.Attribute("userName").Uniqueness)
	assert.Equal(t, schema.ReadOnly, rt.Schema.Attribute("groups").Mutability)
	_, ok := rt.LookupPath("nickName")
	assert.False(t, ok, "a trimmed attribute is unknown to the resource type")
}

// TestEntraID_EnterpriseURNOnATrimmedType: Entra ID lists the enterprise
// extension in "schemas" whatever the target keeps; a type trimmed to
// core attributes ignores it and its attributes, and refuses it only in
// strict mode.
func TestEntraID_EnterpriseURNOnATrimmedType(t *testing.T) {
	rt, err := schema.Trim(schema.UserResourceType(), "userName", "displayName")
	require.NoError(t, err)
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`
	got, err := canonicalize(t, rt, body, nil, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"userName": "u"}, got)
	_, err = canonicalize(t, rt, body, nil, schema.Options{RejectUnknown: true})
	requireSCIMError(t, err, schema.InvalidSyntax)
}
