package schema_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// want is the expected characteristics of one attribute of RFC 7643 §8.7.
// Zero values mean the RFC defaults: singular, not required, caseExact
// false, readWrite, returned default, uniqueness none.
type want struct {
	path        string
	typ         schema.Type
	multi       bool
	required    bool
	caseExact   bool
	mutability  schema.Mutability
	returned    schema.Returned
	uniqueness  schema.Uniqueness
	canonical   []string
	refTypes    []string
	subAttrs    []string
	description string // a substring of the description
}

// attributeAt resolves "name" or "name.sub" in s.
func attributeAt(t *testing.T, s *schema.Schema, path string) *schema.Attribute {
	t.Helper()
	name, sub, hasSub := strings.Cut(path, ".")
	a := s.Attribute(name)
	require.NotNil(t, a, "attribute %q", name)
	if !hasSub {
		return a
	}
	sa := a.SubAttribute(sub)
	require.NotNil(t, sa, "sub-attribute %q", path)
	return sa
}

func checkCharacteristics(t *testing.T, s *schema.Schema, tests []want) {
	t.Helper()
	for _, w := range tests {
		t.Run(w.path, func(t *testing.T) {
			a := attributeAt(t, s, w.path)
			name := w.path
			if i := strings.IndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			assert.Equal(t, name, a.Name, "name in the schema's case")
			assert.Equal(t, w.typ, a.Type, "type")
			assert.Equal(t, w.multi, a.MultiValued, "multiValued")
			assert.Equal(t, w.required, a.Required, "required")
			assert.Equal(t, w.caseExact, a.CaseExact, "caseExact")
			mut := w.mutability
			if mut == "" {
				mut = schema.ReadWrite
			}
			assert.Equal(t, mut, a.EffectiveMutability(), "mutability")
			ret := w.returned
			if ret == "" {
				ret = schema.ReturnedDefault
			}
			assert.Equal(t, ret, a.EffectiveReturned(), "returned")
			uniq := w.uniqueness
			if uniq == "" {
				uniq = schema.UniqueNone
			}
			assert.Equal(t, uniq, a.EffectiveUniqueness(), "uniqueness")
			assert.Equal(t, w.canonical, a.CanonicalValues, "canonicalValues")
			assert.Equal(t, w.refTypes, a.ReferenceTypes, "referenceTypes")
			var subs []string
			for _, s := range a.SubAttributes {
				subs = append(subs, s.Name)
			}
			assert.Equal(t, w.subAttrs, subs, "subAttributes")
			assert.Contains(t, a.Description, w.description, "description")
		})
	}
}

var (
	multiSubs   = []string{"value", "display", "type", "primary"}
	nameSubs    = []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}
	addressSubs = []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"}
)

// TestUserSchemaCharacteristics checks the User schema attribute by
// attribute against RFC 7643 §4.1 and §8.7.1.
func TestUserSchemaCharacteristics(t *testing.T) {
	u := schema.User()
	assert.Equal(t, schema.UserSchemaURN, u.ID)
	assert.Equal(t, "User", u.Name)
	assert.Equal(t, "User Account", u.Description)

	var names []string
	for _, a := range u.Attributes {
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
		"preferredLanguage", "locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos",
		"addresses", "groups", "entitlements", "roles", "x509Certificates"}, names)

	checkCharacteristics(t, u, []want{
		{path: "userName", typ: schema.String, required: true, uniqueness: schema.UniqueServer, description: "Unique identifier for the User"},
		{path: "name", typ: schema.Complex, subAttrs: nameSubs, description: "components of the user's real name"},
		{path: "name.formatted", typ: schema.String, description: "full name"},
		{path: "name.familyName", typ: schema.String, description: "family name"},
		{path: "name.givenName", typ: schema.String, description: "given name"},
		{path: "name.middleName", typ: schema.String, description: "middle name"},
		{path: "name.honorificPrefix", typ: schema.String, description: "honorific prefix"},
		{path: "name.honorificSuffix", typ: schema.String, description: "honorific suffix"},
		{path: "displayName", typ: schema.String, description: "suitable for display"},
		{path: "nickName", typ: schema.String, description: "casual way"},
		{path: "profileUrl", typ: schema.Reference, refTypes: []string{"external"}, description: "online profile"},
		{path: "title", typ: schema.String, description: "title"},
		{path: "userType", typ: schema.String, description: "relationship"},
		{path: "preferredLanguage", typ: schema.String, description: "preferred written or spoken language"},
		{path: "locale", typ: schema.String, description: "default location"},
		{path: "timezone", typ: schema.String, description: "Olson"},
		{path: "active", typ: schema.Boolean, description: "administrative status"},
		{path: "password", typ: schema.String, mutability: schema.WriteOnly, returned: schema.ReturnedNever, description: "cleartext password"},

		{path: "emails", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "Email addresses"},
		{path: "emails.value", typ: schema.String, description: "Email addresses"},
		{path: "emails.display", typ: schema.String, description: "human-readable"},
		{path: "emails.type", typ: schema.String, canonical: []string{"work", "home", "other"}, description: "label"},
		{path: "emails.primary", typ: schema.Boolean, description: "primary"},

		{path: "phoneNumbers", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "Phone numbers"},
		{path: "phoneNumbers.value", typ: schema.String, description: "Phone number"},
		{path: "phoneNumbers.display", typ: schema.String, description: "human-readable"},
		{path: "phoneNumbers.type", typ: schema.String, canonical: []string{"work", "home", "mobile", "fax", "pager", "other"}, description: "label"},
		{path: "phoneNumbers.primary", typ: schema.Boolean, description: "primary"},

		{path: "ims", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "Instant messaging"},
		{path: "ims.value", typ: schema.String, description: "Instant messaging"},
		{path: "ims.type", typ: schema.String, canonical: []string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}, description: "label"},
		{path: "ims.primary", typ: schema.Boolean, description: "primary"},

		{path: "photos", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "photos"},
		{path: "photos.value", typ: schema.Reference, refTypes: []string{"external"}, description: "URL of a photo"},
		{path: "photos.type", typ: schema.String, canonical: []string{"photo", "thumbnail"}, description: "label"},

		{path: "addresses", typ: schema.Complex, multi: true, subAttrs: addressSubs, description: "mailing address"},
		{path: "addresses.formatted", typ: schema.String, description: "full mailing address"},
		{path: "addresses.streetAddress", typ: schema.String, description: "street address"},
		{path: "addresses.locality", typ: schema.String, description: "city"},
		{path: "addresses.region", typ: schema.String, description: "state"},
		{path: "addresses.postalCode", typ: schema.String, description: "zip code"},
		{path: "addresses.country", typ: schema.String, description: "country"},
		{path: "addresses.type", typ: schema.String, canonical: []string{"work", "home", "other"}, description: "label"},
		{path: "addresses.primary", typ: schema.Boolean, description: "primary"},

		{path: "groups", typ: schema.Complex, multi: true, mutability: schema.ReadOnly,
			subAttrs: []string{"value", "$ref", "display", "type"}, description: "groups to which the user belongs"},
		{path: "groups.value", typ: schema.String, mutability: schema.ReadOnly, description: "identifier of the User's group"},
		{path: "groups.$ref", typ: schema.Reference, mutability: schema.ReadOnly, refTypes: []string{"User", "Group"}, description: "URI"},
		{path: "groups.display", typ: schema.String, mutability: schema.ReadOnly, description: "human-readable"},
		{path: "groups.type", typ: schema.String, mutability: schema.ReadOnly, canonical: []string{"direct", "indirect"}, description: "direct"},

		{path: "entitlements", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "entitlements"},
		{path: "entitlements.value", typ: schema.String, description: "entitlement"},
		{path: "roles", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "roles"},
		{path: "roles.value", typ: schema.String, description: "role"},
		{path: "x509Certificates", typ: schema.Complex, multi: true, subAttrs: multiSubs, description: "certificates"},
		{path: "x509Certificates.value", typ: schema.Binary, description: "X.509 certificate"},
		{path: "x509Certificates.primary", typ: schema.Boolean, description: "primary"},
	})
}

// TestGroupSchemaCharacteristics checks the Group schema against RFC 7643
// §4.2 and §8.7.1.
func TestGroupSchemaCharacteristics(t *testing.T) {
	g := schema.Group()
	assert.Equal(t, schema.GroupSchemaURN, g.ID)
	assert.Equal(t, "Group", g.Name)
	require.Len(t, g.Attributes, 2)
	checkCharacteristics(t, g, []want{
		{path: "displayName", typ: schema.String, required: true, description: "human-readable name for the Group"},
		{path: "members", typ: schema.Complex, multi: true, subAttrs: []string{"value", "$ref", "type", "display"}, description: "members of the Group"},
		{path: "members.value", typ: schema.String, mutability: schema.Immutable, description: "Identifier of the member"},
		{path: "members.$ref", typ: schema.Reference, mutability: schema.Immutable, refTypes: []string{"User", "Group"}, description: "URI"},
		{path: "members.type", typ: schema.String, mutability: schema.Immutable, canonical: []string{"User", "Group"}, description: "type of resource"},
		{path: "members.display", typ: schema.String, description: "human-readable name for the member"},
	})
}

// TestEnterpriseUserSchemaCharacteristics checks the Enterprise User
// extension against RFC 7643 §4.3 and §8.7.2.
func TestEnterpriseUserSchemaCharacteristics(t *testing.T) {
	e := schema.EnterpriseUser()
	assert.Equal(t, schema.EnterpriseUserSchemaURN, e.ID)
	assert.Equal(t, "EnterpriseUser", e.Name)
	require.Len(t, e.Attributes, 6)
	checkCharacteristics(t, e, []want{
		{path: "employeeNumber", typ: schema.String, description: "identifier"},
		{path: "costCenter", typ: schema.String, description: "cost center"},
		{path: "organization", typ: schema.String, description: "organization"},
		{path: "division", typ: schema.String, description: "division"},
		{path: "department", typ: schema.String, description: "department"},
		{path: "manager", typ: schema.Complex, subAttrs: []string{"value", "$ref", "displayName"}, description: "manager"},
		{path: "manager.value", typ: schema.String, description: "id of the SCIM resource"},
		{path: "manager.$ref", typ: schema.Reference, refTypes: []string{"User"}, description: "URI"},
		{path: "manager.displayName", typ: schema.String, mutability: schema.ReadOnly, description: "displayName"},
	})
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
